"""Benchmark for the language stage.

Two parts:

1. ``detectors``: accuracy and speed of candidate language detectors on a small
   labelled set of short lines (written for this benchmark, in eleven
   languages, plus short English fragments that are easy to mistake: names,
   headlines, bylines). Detectors not installed are skipped.
2. ``stage``: time of ``cleaner.language.find_removals`` over the dev dumps
   versus the whole ``cleaner.clean_text`` time, and the stage's share.

    python benchmarks/language_bench.py detectors
    python benchmarks/language_bench.py stage [--pages /work/shared/eval/dev/pages.jsonl]
    python benchmarks/language_bench.py stage --show     # also print what the stage removed

Figures from one run on a shared 2-core machine (70 lines; "acc(conf>=.9)" is
the accuracy on the lines the detector gave 0.9 or more, "cover" their share):

    detector                   acc  acc(conf>=.9) cover  ms/line  +RSS MiB
    py3langid 0.4 (all 140)   0.971     1.000      0.54    0.04      88
    py3langid, 2-letter codes 0.971     1.000      0.73    0.05     ~90   <- chosen
    pycld2 0.42               0.957     0.971      0.99    0.005      3
    lingua 2.1, 11 languages  0.986     1.000      0.79    0.12     257
    lingua 2.1, all languages 0.986     1.000      0.60    1.0     1285

The stage on the 265 dev dumps: about 0.8 detector calls per page (the
stopword gate settles the rest), 1.2-1.8 ms per page, 15% of clean_text.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

# (language, text). Short on purpose: the stage judges single lines and sentences.
LABELLED: list[tuple[str, str]] = [
    ("en", "Subscribe to our newsletter"),
    ("en", "The minister said the talks would resume next week."),
    ("en", "Read the full story on our website"),
    ("en", "Officials declined to comment on the report."),
    ("en", "The company reported a loss for the third quarter."),
    ("en", "Sign up for daily updates"),
    ("en", "He was arrested at the border on Tuesday."),
    ("en", "All rights reserved."),
    ("en", "Prices rose sharply after the announcement."),
    ("en", "Share this article with your friends"),
    ("en", "Chinese President Xi Jinping arrived in Astana"),
    ("en", "Kazakhstan and Uzbekistan signed the agreement"),
    ("es", "es un sitio web oficial del Gobierno Argentino"),
    ("es", "Suscríbete a nuestro boletín"),
    ("es", "El presidente anunció nuevas medidas económicas."),
    ("es", "La reunión se celebrará el próximo martes."),
    ("es", "Todos los derechos reservados."),
    ("es", "Lee la noticia completa en nuestra web"),
    ("es", "Los precios subieron después del anuncio."),
    ("es", "No se encontraron resultados para su búsqueda."),
    ("de", "Abonnieren Sie unseren Newsletter"),
    ("de", "Die Regierung hat neue Maßnahmen angekündigt."),
    ("de", "Alle Rechte vorbehalten."),
    ("de", "Das Treffen findet am Dienstag statt."),
    ("de", "Lesen Sie den vollständigen Artikel auf unserer Seite"),
    ("de", "Die Preise sind nach der Ankündigung gestiegen."),
    ("de", "Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten."),
    ("de", "Mehr zum Thema"),
    ("fr", "Abonnez-vous à notre lettre d'information"),
    ("fr", "Le gouvernement a annoncé de nouvelles mesures."),
    ("fr", "Tous droits réservés."),
    ("fr", "La réunion aura lieu mardi prochain."),
    ("fr", "Lire la suite de l'article sur notre site"),
    ("fr", "Les prix ont fortement augmenté après l'annonce."),
    ("fr", "Ce site utilise des cookies pour améliorer votre expérience."),
    ("it", "Iscriviti alla nostra newsletter"),
    ("it", "Il governo ha annunciato nuove misure economiche."),
    ("it", "Tutti i diritti riservati."),
    ("it", "La riunione si terrà martedì prossimo."),
    ("it", "Leggi l'articolo completo sul nostro sito"),
    ("it", "I prezzi sono aumentati dopo l'annuncio."),
    ("pt", "Inscreva-se na nossa newsletter"),
    ("pt", "O governo anunciou novas medidas econômicas."),
    ("pt", "Todos os direitos reservados."),
    ("pt", "A reunião será realizada na próxima terça-feira."),
    ("pt", "Os preços subiram depois do anúncio."),
    ("nl", "Schrijf je in voor onze nieuwsbrief"),
    ("nl", "De regering heeft nieuwe maatregelen aangekondigd."),
    ("nl", "Alle rechten voorbehouden."),
    ("nl", "De vergadering vindt volgende week dinsdag plaats."),
    ("nl", "De prijzen stegen sterk na de aankondiging."),
    ("ru", "Подпишитесь на нашу рассылку"),
    ("ru", "Правительство объявило о новых мерах."),
    ("ru", "Все права защищены."),
    ("ru", "Встреча состоится в следующий вторник."),
    ("ru", "Цены резко выросли после объявления."),
    ("ru", "Читайте также"),
    ("zh", "订阅我们的新闻通讯"),
    ("zh", "政府宣布了新的经济措施。"),
    ("zh", "版权所有，不得转载。"),
    ("zh", "会议将于下周二举行。"),
    ("zh", "公告发布后价格大幅上涨。"),
    ("ar", "اشترك في نشرتنا الإخبارية"),
    ("ar", "أعلنت الحكومة عن إجراءات اقتصادية جديدة."),
    ("ar", "جميع الحقوق محفوظة."),
    ("ar", "سيعقد الاجتماع يوم الثلاثاء المقبل."),
    ("ja", "ニュースレターに登録してください"),
    ("ja", "政府は新しい経済対策を発表した。"),
    ("ja", "会議は来週の火曜日に開かれます。"),
    ("ja", "無断転載を禁じます。"),
]


def _rss_mib() -> float:
    """Resident memory of this process (Linux), MiB; 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _py3langid() -> Callable[[str], tuple[str, float]]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return ident.classify


def _pycld2() -> Callable[[str], tuple[str, float]]:
    import pycld2

    def detect(text: str) -> tuple[str, float]:
        reliable, _, details = pycld2.detect(text)
        code = details[0][1]
        code = {"zh-Hant": "zh", "un": "??"}.get(code, code)
        return code, details[0][2] / 100.0 if reliable else 0.0

    return detect


def _lingua(languages: list[str] | None = None) -> Callable[[str], tuple[str, float]]:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages:
        codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    detector = builder.with_preloaded_language_models().build()

    def detect(text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text)
        if not values:
            return "??", 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), best.value

    return detect


def _stage_detector() -> Callable[[str], tuple[str, float]]:
    from cleaner import language

    return language.detect


DETECTORS: dict[str, Callable[[], Callable[[str], tuple[str, float]]]] = {
    "py3langid": _py3langid,
    "pycld2": _pycld2,
    "lingua-11": lambda: _lingua(["en", "es", "de", "fr", "it", "pt", "nl", "ru", "zh", "ar", "ja"]),
    "lingua-all": _lingua,
    "cleaner.language.detect": _stage_detector,
}


def bench_detectors(names: list[str]) -> None:
    print(f"{len(LABELLED)} labelled lines, {len({lang for lang, _ in LABELLED})} languages")
    print(f"{'detector':26} {'acc':>6} {'acc(conf>=.9)':>14} {'cover':>6} {'ms/line':>8} {'load s':>7} {'+RSS MiB':>8}")
    for name in names:
        try:
            rss0 = _rss_mib()
            t0 = time.perf_counter()
            detect = DETECTORS[name]()
            detect("warm up the model with one line")
            load = time.perf_counter() - t0
            rss = _rss_mib() - rss0
        except ImportError as exc:
            print(f"{name:26} skipped ({exc})")
            continue
        results = []
        t0 = time.perf_counter()
        rounds = 5
        for _ in range(rounds):
            results = [detect(text) for _, text in LABELLED]
        ms = (time.perf_counter() - t0) * 1000 / (rounds * len(LABELLED))
        right = sum(code == lang for (lang, _), (code, _) in zip(LABELLED, results, strict=True))
        sure = [(lang, code) for (lang, _), (code, p) in zip(LABELLED, results, strict=True) if p >= 0.9]
        sure_right = sum(lang == code for lang, code in sure)
        wrong = [
            f"{lang}->{code}:{text[:30]}"
            for (lang, text), (code, _) in zip(LABELLED, results, strict=True)
            if code != lang
        ]
        print(
            f"{name:26} {right / len(LABELLED):6.3f} {sure_right / max(1, len(sure)):14.3f} "
            f"{len(sure) / len(LABELLED):6.2f} {ms:8.3f} {load:7.2f} {rss:6.1f}"
        )
        for item in wrong:
            print(f"    wrong: {item}")


def bench_stage(pages_path: str, show: bool, limit: int | None) -> None:
    import cleaner
    from cleaner import language
    from cleaner.document import Document

    with open(pages_path, encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    if limit:
        pages = pages[:limit]
    cleaner.clean_text(pages[0]["text"], url=pages[0].get("url"))  # load rules, model
    language.detect("warm up")

    stage_s = 0.0
    original = language.find_removals

    def timed(doc: Document):
        nonlocal stage_s
        t0 = time.perf_counter()
        out = original(doc)
        stage_s += time.perf_counter() - t0
        return out

    calls = {"rank": 0, "detect": 0}
    original_rank, original_detect = language.rank, language.detect

    def counted(fn, name):
        def wrapper(text):
            calls[name] += 1
            return fn(text)

        return wrapper

    language.find_removals = timed
    language.rank, language.detect = counted(original_rank, "rank"), counted(original_detect, "detect")
    langs: dict[str | None, int] = {}
    removed = 0
    try:
        t0 = time.perf_counter()
        for page in pages:
            result = cleaner.clean_text(page["text"], url=page.get("url"))
            langs[result.lang] = langs.get(result.lang, 0) + 1
            for r in result.removed:
                if r.reason.startswith("lang:"):
                    removed += 1
                    if show:
                        print(f"{page['id']} {r.reason} [{r.detail}] {r.text!r}")
        total_s = time.perf_counter() - t0
    finally:
        language.find_removals = original
        language.rank, language.detect = original_rank, original_detect
    print(f"{len(pages)} pages; languages {sorted(langs.items(), key=lambda kv: -kv[1])}")
    print(
        f"lang removals: {removed}; detector calls: {calls['detect']} for the document language, "
        f"{calls['rank']} for fragments ({calls['rank'] / len(pages):.2f}/page)"
    )
    print(f"clean_text total {total_s:.2f} s; language stage {stage_s:.2f} s ({100 * stage_s / total_s:.1f}%)")
    print(f"stage per page {1000 * stage_s / len(pages):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    det = sub.add_parser("detectors")
    det.add_argument("names", nargs="*", default=list(DETECTORS))
    stage = sub.add_parser("stage")
    stage.add_argument("--pages", default="/work/shared/eval/dev/pages.jsonl")
    stage.add_argument("--show", action="store_true")
    stage.add_argument("--limit", type=int)
    args = parser.parse_args()
    if args.command == "detectors":
        bench_detectors(args.names)
    else:
        bench_stage(args.pages, args.show, args.limit)


if __name__ == "__main__":
    main()
