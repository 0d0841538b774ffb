"""The language stage on documents built directly (no other stage runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner import language
from cleaner.document import Document, Removal

pytest.importorskip("py3langid")

ENGLISH = [
    "The government announced on Tuesday that it would expand its investment programme in the region.",
    "Officials said the new railway line would cut travel times between the two capitals by half.",
    "Critics of the plan argue that the loans carry heavy interest and leave the countries in debt.",
    "The agreement was signed after two days of talks in the capital, according to the ministry.",
]
GERMAN = [
    "Die Bundesregierung hat am Dienstag ein neues Investitionsprogramm für die Region angekündigt.",
    "Nach Angaben des Ministeriums soll die neue Bahnstrecke die Reisezeit zwischen den Hauptstädten halbieren.",
    "Kritiker des Plans sagen, dass die Kredite hohe Zinsen haben und die Länder in die Schuldenfalle führen.",
    "Das Abkommen wurde nach zweitägigen Gesprächen in der Hauptstadt unterzeichnet.",
]
SPANISH = [
    "El gobierno anunció el martes que ampliará su programa de inversiones en la región.",
    "Según el ministerio, la nueva línea de ferrocarril reducirá a la mitad el tiempo de viaje entre las capitales.",
    "Los críticos del plan dicen que los préstamos tienen intereses altos y dejan a los países endeudados.",
    "El acuerdo se firmó tras dos días de conversaciones en la capital, según informó el ministerio.",
]


def make(lines: list[str]) -> Document:
    return Document.from_text("\n".join(lines), id="t", source="test")


def run(lines: list[str]) -> tuple[str | None, list[Removal], Document]:
    doc = make(lines)
    lang, removals = language.find_removals(doc)
    doc.add(removals)
    return lang, removals, doc


def check_provenance(doc: Document, removals: list[Removal]) -> None:
    for r in removals:
        assert r.text == doc.blocks[r.block].text[r.start : r.end]
        assert r.reason.startswith("lang:")
        assert r.detail


def test_whole_foreign_lines_in_english_article():
    lines = [
        *ENGLISH[:2],
        "Abonnez-vous à notre lettre d'information pour recevoir les dernières nouvelles.",
        *ENGLISH[2:],
        "Die Regierung hat am Dienstag neue Maßnahmen für die Wirtschaft angekündigt.",
    ]
    lang, removals, doc = run(lines)
    assert lang == "en"
    assert sorted((r.block, r.reason) for r in removals) == [(2, "lang:fr"), (5, "lang:de")]
    assert all(r.start == 0 and r.end == len(doc.blocks[r.block].text) for r in removals)
    assert "whole block" in removals[0].detail
    assert doc.clean_text() == "\n".join(ENGLISH)
    check_provenance(doc, removals)


def test_trailing_foreign_sentence_is_cut_rest_byte_identical():
    para = (
        "“The loans are a trap for the smaller countries,” the analyst said. "
        "Los precios subieron mucho después del anuncio del gobierno."
    )
    lang, removals, doc = run([*ENGLISH, para])
    assert lang == "en"
    [r] = removals
    assert r.reason == "lang:es" and "trailing sentence" in r.detail
    assert r.text == " Los precios subieron mucho después del anuncio del gobierno."
    assert doc.kept_text(4) == "“The loans are a trap for the smaller countries,” the analyst said."
    check_provenance(doc, removals)


def test_leading_foreign_sentence_is_cut_rest_byte_identical():
    para = (
        "Todos los derechos están reservados para el autor de la nota.  "
        "The ministry said the project would be finished by the end of the year."
    )
    lang, removals, doc = run([*ENGLISH, para])
    assert lang == "en"
    [r] = removals
    assert r.reason == "lang:es" and "leading sentence" in r.detail
    assert r.start == 0
    assert doc.kept_text(4) == "The ministry said the project would be finished by the end of the year."
    check_provenance(doc, removals)


@pytest.mark.parametrize(
    ("body", "lang"),
    [(GERMAN, "de"), (SPANISH, "es")],
)
def test_english_boilerplate_in_foreign_article(body, lang):
    lines = [
        *body[:2],
        "Subscribe to our newsletter",
        *body[2:],
        "Sign up for our daily newsletter and get the latest stories in your inbox.",
    ]
    found, removals, doc = run(lines)
    assert found == lang
    assert sorted((r.block, r.reason) for r in removals) == [(2, "lang:en"), (5, "lang:en")]
    assert doc.clean_text() == "\n".join(body)


@pytest.mark.parametrize(
    "sentence",
    [
        "Chinese President Xi Jinping (習近平) said at a summit of the region’s leaders that China would help.",
        "The ambassador Lu Shaye (盧沙野) sparked a firestorm when he questioned the independence of the states.",
        "President Vladimir Putin (Владимир Путин) told reporters that the talks had been constructive.",
        "Crown Prince Mohammed bin Salman (محمد بن سلمان) met the delegation in Riyadh on Sunday.",
        "Lu Shaye (盧沙野)",
        "習近平",
    ],
)
def test_names_in_other_scripts_are_kept(sentence):
    lang, removals, _ = run([*ENGLISH, sentence])
    assert lang == "en"
    assert removals == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The crowd chanted “¡No pasarán!” as the convoy passed through the square.",
        "He called the annexation a “fait accompli” in his speech to parliament.",
        "Protesters held signs reading “Wir sind das Volk” outside the embassy.",
        "The newspaper Corriere della Sera (Italy) carried the story on its front page.",
        "Corriere della Sera (Italy)",
        "La Crónica de Hoy (Mexico)",
    ],
)
def test_short_foreign_phrases_and_names_are_kept(sentence):
    lang, removals, _ = run([*ENGLISH, sentence])
    assert lang == "en"
    assert removals == []


def test_too_short_to_judge():
    lang, removals, _ = run(["Hola amigos", "Read more"])
    assert lang is None
    assert removals == []


def test_protected_and_already_cut_blocks_are_left_alone():
    foreign = "Abonnez-vous à notre lettre d'information pour recevoir les dernières nouvelles."
    doc = make([*ENGLISH, foreign, foreign])
    doc.protected.add(4)
    doc.add([Removal(5, 0, 3, "rule:test/x", "", foreign[:3])])
    _, removals = language.find_removals(doc)
    assert removals == []


def test_deterministic():
    lines = [*ENGLISH, "Die Regierung hat am Dienstag neue Maßnahmen für die Wirtschaft angekündigt."]
    first = language.find_removals(make(lines))
    second = language.find_removals(make(lines))
    assert first == second


def test_sentences_spans():
    text = "One sentence here. “Another one!” he said.  Tail without stop"
    spans = language.sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "One sentence here.",
        "“Another one!”",
        "he said.",
        "Tail without stop",
    ]


def _seed_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def test_seed_002_spanish_tail_removed_as_gold():
    seeds = _seed_dir()
    name = "002_0a3129f1fc0f6d94.txt"
    if not (seeds / "raw" / name).is_file():
        pytest.skip("seed 002 not available")
    raw = (seeds / "raw" / name).read_text(encoding="utf-8")
    gold = (seeds / "gold" / name).read_text(encoding="utf-8").splitlines()
    doc = Document.from_text(raw, id="002", source=name)
    lang, removals = language.find_removals(doc)
    assert lang == "en"
    [r] = removals
    assert r.reason == "lang:es"
    assert r.text == " es un sitio web oficial del Gobierno Argentino"
    doc.add(removals)
    kept = doc.kept_text(r.block)
    assert kept == gold[-1]
    assert doc.blocks[r.block].text == kept + r.text


def test_shipped_model_is_py3langids_model_restricted_to_two_letter_codes():
    """cleaner/data/langid.zst holds py3langid's own arrays (regenerate it with
    `python -m cleaner.language --write-model` when py3langid's model changes)."""
    import numpy as np

    shipped = language.read_model(language.MODEL_PATH)
    packaged = language._packaged_model()
    assert shipped["classes"] == packaged["classes"]
    for name in ("ptc", "pc", "nextmove", "nextmove_row", "out_feat"):
        assert np.array_equal(np.asarray(shipped[name]), np.asarray(packaged[name])), name


def test_model_ranks_as_py3langid_does():
    from py3langid.langid import LanguageIdentifier

    model = language._packaged_model()
    reference = LanguageIdentifier(
        model["ptc"], model["pc"], model["classes"], model["nextmove"], model["out_feat"],
        norm_probs=True, tk_row=model["nextmove_row"],
    )  # fmt: skip
    for text in [*ENGLISH, *GERMAN, *SPANISH, "習近平", "Путин заявил во вторник", ""]:
        assert language.rank(text) == reference.rank(text)


def test_stopword_vote_counts_as_stopword_share_does():
    from cleaner.words import STOPWORDS

    words = [w.lower() for w in language._WORD.findall(" ".join(ENGLISH + GERMAN + SPANISH))]
    for code, count in language._stop_counts(words):
        assert count / len(words) == language.stopword_share(words, code)
    assert [code for code, _ in language._stop_counts([])] == list(STOPWORDS)
