"""Unit tests of each heuristic on small synthetic pages, including what each must not catch."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import heuristics
from cleaner.document import Document
from cleaner.errors import ConfigError

P1 = (
    "The ministers met in the capital on Tuesday to discuss trade, energy and security, and they "
    "agreed to meet again next year."
)
P2 = (
    "Officials said the talks were constructive and that a joint statement would be published after "
    "the leaders had reviewed the text."
)
P3 = (
    "Analysts said the meeting showed how quickly the region was changing, and that more deals were "
    "likely to follow in the coming months."
)
P4 = (
    "Trade between the countries has grown every year since the agreement was signed, according to "
    "figures released by the customs office."
)


def run(*lines: str, protected: set[int] = frozenset(), disabled: set[str] = frozenset(), url=None):
    """Clean with the heuristics alone; return (kept texts, {removed text: reason})."""
    doc = Document.from_text("\n".join(lines), id="t", source="t", url=url)
    doc.protected |= set(protected)
    removals = heuristics.find_removals(doc, disabled=set(disabled))
    doc.add(removals)
    reasons = {r.text.strip(): r.reason for r in removals}
    return [doc.blocks[i].text for i in doc.kept_indexes()], reasons


def test_registry_names_are_kebab_case_and_documented():
    assert heuristics.HEURISTICS
    for name, function in heuristics.HEURISTICS.items():
        assert name == name.lower() and " " not in name and "_" not in name
        assert function.__doc__ and "Must not" in function.__doc__


def test_check_names():
    heuristics.check_names(["widget", "language", "repeats"])
    with pytest.raises(ConfigError, match="no-such-thing"):
        heuristics.check_names(["no-such-thing"])


def test_removals_are_whole_blocks_with_heuristic_reasons():
    doc = Document.from_text(f"Menu\nA headline about the talks\n{P1}\n{P2}\nRead More", id="t", source="t")
    for r in heuristics.find_removals(doc, disabled=set()):
        assert r.start == 0 and r.end == len(doc.blocks[r.block].text)
        assert r.reason.startswith("heuristic:") and r.reason.split(":", 1)[1] in heuristics.HEURISTICS


def test_widget():
    _, reasons = run("21.6 C", "Monday, September 25, 2023", "Updated 10:32 am EST", "Headline of it", P1, P2)
    assert reasons["21.6 C"] == "heuristic:widget"
    assert reasons["Monday, September 25, 2023"] == "heuristic:widget"
    assert reasons["Updated 10:32 am EST"] == "heuristic:widget"


def test_widget_keeps_a_sentence_with_a_date():
    kept, _ = run(P1, "On Monday, September 25, the summit opened.", P2)
    assert "On Monday, September 25, the summit opened." in kept


def test_breadcrumb():
    _, reasons = run("Home > World > Asia", "HomeChinaXi says the talks went well.", "Headline here now", P1, P2)
    assert reasons["Home > World > Asia"] == "heuristic:breadcrumb"
    assert reasons["HomeChinaXi says the talks went well."] == "heuristic:breadcrumb"


def test_breadcrumb_keeps_home_secretary():
    line = "Home Secretary Jane Doe said the rules would change next month."
    kept, _ = run(P1, line, P2)
    assert line in kept


def test_byline_widget():
    _, reasons = run("A headline about the talks", "Published", "on", "By Jane Doe", P1, P2)
    for text in ("Published", "on", "By Jane Doe"):
        assert reasons[text] == "heuristic:byline-widget"


def test_byline_widget_keeps_a_sentence_starting_with_by():
    kept, _ = run(P1, "By noon the crowd had gone.", P2)
    assert "By noon the crowd had gone." in kept


def test_link_label():
    _, reasons = run(P1, P2, "Continue reading »", P3, P4, "Read More")
    assert reasons["Continue reading »"] == "heuristic:link-label"
    assert reasons["Read More"] == "heuristic:link-label"


def test_link_label_keeps_a_short_sentence():
    kept, _ = run(P1, "Read the report.", P2)
    assert "Read the report." in kept


def test_credit_and_caption():
    lines = (P1, "Photo: AFP", P2, P3, "Additional reporting by CNA", "source: example.com with agencies")
    _, reasons = run(*lines)
    assert reasons["Photo: AFP"] == "heuristic:caption"
    assert reasons["Additional reporting by CNA"] == "heuristic:credit"
    assert reasons["source: example.com with agencies"] == "heuristic:credit"


def test_credit_keeps_prose_about_reporting():
    line = "Reporting by the local newspaper showed that the mayor had known about the problem for years."
    kept, _ = run(P1, line, P2)
    assert line in kept


def test_title_repeat_folds_quotes_and_keeps_the_first():
    title = "Xi says China must “fully unleash” potential."
    kept, reasons = run(title, P1, P2, 'Xi says China must "fully unleash" potential.', P3)
    assert kept[0] == title
    assert reasons['Xi says China must "fully unleash" potential.'] == "heuristic:title-repeat"


def test_repeated_block_keeps_the_first_occurrence():
    story = "A sidebar story about something else entirely happened in another country"
    _, reasons = run("Headline of the page", P1, P2, P3, "Related articles", story, P4, story)
    assert reasons.get(story) is not None


def test_teaser_tail():
    teaser1 = "HS2 link cancellation concerns. Mayor warns of divide. The mayor has expressed concerns that the..."
    teaser2 = (
        "Suspected spies have been arrested for allegedly taking photographs of ships, and installed cameras in the"
    )
    kept, reasons = run("Headline of the page", P1, P2, P3, teaser1, teaser2)
    assert reasons[teaser1] == reasons[teaser2] == "heuristic:teaser"
    assert P3 in kept


def test_teaser_leaves_one_unfinished_last_paragraph():
    last = P4.rstrip(".") + " and the figures were later revised by the office in the"
    kept, _ = run("Headline of the page", P1, P2, P3, last)
    assert last in kept


def test_navigation_before_the_headline_goes_and_the_headline_stays():
    kept, reasons = run("News", "World", "Sport", "DIPLOMACY", "New chapter in relations", P1, P2, P3)
    assert kept[0] == "New chapter in relations"
    assert reasons["DIPLOMACY"] == "heuristic:outside-article"
    assert reasons["Sport"] == "heuristic:outside-article"


def test_subheadings_between_paragraphs_are_kept():
    lines = ("A headline for the page", P1, P2, "The importance of the region", P3, "Cooperation in turmoil", P4)
    kept, reasons = run(*lines)
    assert kept == list(lines)
    assert reasons == {}


def test_short_quote_paragraph_in_the_article_is_kept():
    lines = ("A headline for the page", P1, "“No,” he said.", P2, "“We will see.”", P3)
    kept, _ = run(*lines)
    assert kept == list(lines)


def test_section_label_ends_the_article():
    other = "Another story about something else, long enough to be a paragraph of text in its own right."
    kept, reasons = run("A headline for the page", P1, P2, "Most Popular", other, other.replace("else", "new"))
    assert kept == ["A headline for the page", P1, P2]
    assert reasons["Most Popular"] == "heuristic:outside-article"


def test_link_list_inside_the_article():
    links = ["Markets rally", "Storm hits the coast", "Election results"]
    kept, reasons = run("A headline for the page", P1, P2, *links, P3, P4)
    for link in links:
        assert reasons[link] == "heuristic:link-list"
    assert P3 in kept


def test_protected_blocks_are_never_removed():
    kept, _ = run("Read More", P1, P2, "Photo: AFP", protected={0, 3})
    assert "Read More" in kept and "Photo: AFP" in kept


def test_disabled_heuristic_keeps_its_blocks():
    kept, _ = run("Headline of the page", P1, P2, "Photo: AFP", P3, disabled={"caption", "link-list"})
    assert "Photo: AFP" in kept


def test_url_slug_picks_the_headline():
    lines = ("Some other promo line here", "Ministers agree on trade deal", "Jane Doe and John Roe", P1, P2)
    kept, _ = run(*lines, url="https://example.com/news/ministers-agree-trade-deal-123")
    assert "Ministers agree on trade deal" in kept
    assert "Some other promo line here" not in kept


def test_page_without_prose_is_all_boilerplate():
    kept, reasons = run("Home", "News", "Sport results")
    assert kept == []
    assert set(reasons.values()) == {"heuristic:outside-article"}


# --- block features: the fast paths must agree with the definitions they replace ----------------

FEATURE_SAMPLES = [
    "",
    "Plain words here",
    "He said “no.”",
    "A sentence ends here.) ",
    "Stops in an ellipsis...",
    "Stops in an ellipsis…”",
    "Wait?!\u00a0",
    "A_b-C d\x7f e",
    "Xi Jinping (習近平) met them.",
    "日本語の文章です。",
    "İstanbul DÜZCE straße",
    "x. * ",
]


@pytest.mark.parametrize("text", FEATURE_SAMPLES)
def test_features_match_their_regex_definitions(text):
    check_features(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09_ .…!?)”’*\t\u00a0-,:İß日")), max_size=30) | st.text(max_size=30))
def test_features_match_their_regex_definitions_on_any_text(text):
    check_features(text)


def check_features(text):
    f = heuristics.Features.of(text)
    stripped = text.strip()
    ellipsis = bool(heuristics._ELLIPSIS.search(stripped))
    assert f.ellipsis == ellipsis
    assert f.terminal == (bool(heuristics._TERMINAL.search(stripped)) and not ellipsis)
    assert f.key == heuristics.fold(text)
    tokens = heuristics._WORD.findall(stripped.lower())
    assert f.stop_ratio == (sum(t in heuristics._STOPWORDS for t in tokens) / len(tokens) if tokens else 0.0)


def test_features_are_shared_per_text():
    assert heuristics.features("Some block text") is heuristics.features("Some block text")


GLUED = [
    "Police Arrest Two After Death Of College Student-AthleteA 24-year-old woman and a man have been held in the",
    "Customers Leave Without Paying Big Bill At Local SteakhouseA party of six left the restaurant after a fight",
    "Is Violence In Sports On The Rise?Violence is part of the game in many sports but one player crossed a line",
]


def test_glued_teaser_list():
    kept, reasons = run("A headline for the page", P1, P2, *GLUED, P3, P4)
    for line in GLUED:
        assert reasons[line] == "heuristic:glued-teaser"
    assert P3 in kept and P4 in kept


def test_glued_teaser_keeps_camel_case_names_and_a_lone_glue():
    lines = (
        "The New York Times reported on Sunday that WeWork is preparing to cut thousands of jobs in the city.",
        "The New 16-Inch MacBook Pro has a redesigned keyboard, based on the standalone keyboard model.",
        GLUED[0],
    )
    kept, reasons = run("A headline for the page", P1, *lines, P2)
    assert all(line in kept for line in lines), reasons


def _summary(topic: str) -> str:
    return (
        f"The {topic} drew criticism from both sides on Monday, and officials said they would review it "
        "again before the end of the year, after the hearings in the capital."
    )


def test_teaser_list_with_author_names():
    units = [
        ("What made the film so popular?", "Madeline Fry", _summary("film")),
        ("Senators clash over the budget plan", "Tom Rogan", _summary("budget plan")),
        ("Why the new rules are a bust", "Tiana Lowe", _summary("new rules")),
    ]
    lines = [line for unit in units for line in unit]
    kept, reasons = run("A headline for the page", P1, P2, P3, P4, *lines, disabled={"outside-article"})
    assert kept == ["A headline for the page", P1, P2, P3, P4]
    assert all(reasons[line] == "heuristic:teaser-list" for line in lines)


def test_teaser_list_with_open_summaries():
    units = [
        ("Dry Skin Guide", _summary("skin guide") + " Find out how to make it stop. More"),
        ("Learn Stress Management", _summary("stress plan") + " Learn how here. More"),
        ("Look At New Home Prices", _summary("price list") + " Read more »"),
    ]
    lines = [line for unit in units for line in unit]
    # (the truncated-teaser heuristic would take the summaries first)
    kept, reasons = run("A headline for the page", P1, P2, P3, P4, *lines, disabled={"outside-article", "teaser"})
    assert kept == ["A headline for the page", P1, P2, P3, P4]
    assert all(reasons[line] == "heuristic:teaser-list" for line in lines)


def test_teaser_list_keeps_subheadings_with_one_paragraph_each_and_bullet_lists():
    lines = ("A headline for the page", P1, "The first question", P2, "The second question", P3, "The last one", P4)
    kept, _ = run(*lines)
    assert kept == list(lines)
    bullets = (
        "Your to-do list will shrink to a quarter of its current size, and you will finally have time for the work",
        "You will be able to ignore most of the information you see, because you will know what matters to you",
        "Search engines will drive people to your information every day, and they will stay to read what you wrote",
    )
    lines = ("A headline for the page", P1, P2, "Here is what changes:", *bullets, P3, P4)
    _, reasons = run(*lines, disabled={"outside-article", "link-list"})
    assert not any(r == "heuristic:teaser-list" for r in reasons.values()), reasons


def test_comment_label_followed_by_comment_furniture_ends_the_article():
    comment = "I think this is the best thing that could have happened to the city, and I hope it lasts for years."
    thread = []
    for n, name in enumerate(["jo", "sam", "alex", "kim"]):
        thread += [name, f"{n + 2} days ago at 07:52 am", comment.replace("best", f"best ({n})"), f"Rating: {n} Votes"]
    kept, reasons = run("A headline for the page", P1, P2, "[ 167 comments ]", *thread)
    assert kept == ["A headline for the page", P1, P2]
    assert reasons["[ 167 comments ]"] == "heuristic:outside-article"


def test_comments_button_above_the_text_does_not_end_the_article():
    kept, _ = run("A headline for the page", P1, "Comments (3)", P2, P3, P4)
    assert P2 in kept and P4 in kept


def test_comment_meta_lines():
    for line in ("Reply", "Rating: 36 Votes", "Posted By: jo | January 07 2008 at 03:06 PM", "2 days ago at 07:52 am"):
        assert heuristics._is_comment_meta(line), line
    assert not heuristics._is_comment_meta("He replied to the letter 2 days ago.")


def test_trailing_boilerplate():
    tail = (
        "Newsletter",
        "Get the day's top headlines delivered to your inbox every morning by subscribing to our newsletter.",
        "Thanks for signing up!",
        "Jane Doe is a freelance writer based in Toronto. Her work has appeared in many publications.",
    )
    kept, reasons = run("A headline for the page", P1, P2, P3, P4, *tail, disabled={"outside-article"})
    assert kept == ["A headline for the page", P1, P2, P3, P4]
    assert all(reasons[line] == "heuristic:trailing-boilerplate" for line in tail)


def test_trailing_boilerplate_keeps_the_last_paragraph_and_quotes():
    last = "The company launched a newsletter last year, and it now reaches ten thousand readers a week."
    quote = "“Sign up for our newsletter and tell your friends,” the mayor said at the launch."
    kept, _ = run("A headline for the page", P1, P2, P3, last, quote, disabled={"outside-article"})
    assert last in kept and quote in kept
    # a call in the middle of the article is not at its edge
    middle = "Sign up for our newsletter to get your daily briefing."
    kept, _ = run("A headline for the page", P1, middle, P2, P3, P4, disabled={"outside-article"})
    assert middle in kept


PROMO_TITLES = [
    "Seven Advantages of Disk Backup",
    "Rapidly Resolve Application Problems",
    "Load Testing for the Web",
    "Building a Virtual Infrastructure from Servers to Storage",
    "Is Your Desktop a Security Threat?",
]


def test_teaser_list_of_title_case_promos():
    lines = [x for t in PROMO_TITLES for x in (t, _summary(t.lower()))]
    kept, reasons = run("A headline for the page", P1, P2, P3, P4, *lines, disabled={"outside-article"})
    assert kept == ["A headline for the page", P1, P2, P3, P4]
    assert set(reasons.values()) == {"heuristic:teaser-list"}


def test_teaser_list_keeps_a_numbered_listicle():
    lines = [x for n, t in enumerate(PROMO_TITLES, 1) for x in (f"{n}. {t}", _summary(t.lower()))]
    kept, _ = run("A headline for the page", P1, P2, P3, P4, *lines, disabled={"outside-article"})
    assert all(line in kept for line in lines)


def test_widget_takes_abbreviated_months_and_marked_words():
    for stamp in ("Nov. 19, 2019, 8:41 AM UTC", "PUBLISHED: 10:48, Tue, Nov 19, 2019", "Nov. 18, 2019 7:04 pm ET"):
        _, reasons = run("Headline of it", stamp, P1, P2, P3)
        assert reasons[stamp] == "heuristic:widget", stamp


def test_page_tools():
    tools = ("Print This Article | Single Page", "Save This Page", "Click here for more football headlines!")
    _, reasons = run("A headline for the page", P1, P2, tools[0], P3, tools[1], P4, tools[2], P1 + " More.")
    for line in tools:
        assert reasons[line] == "heuristic:page-tools", line


def test_page_tools_keeps_sentences_about_sharing():
    line = "She shared the page with a friend, and the post was printed in the local paper the next day."
    kept, _ = run("A headline for the page", P1, line, P2, P3)
    assert line in kept
