from assistant.commands.confusion import edit_distance, sample_sentences
from assistant.commands.grammar import CommandSet


def _sampled(template: str) -> set[str]:
    commands = CommandSet.from_yaml(f'intents:\n  Timer:\n    - "{template}"\n')
    return {text for _, text in sample_sentences(commands.grammar, per_template=200)}


def test_sampled_articles_agree_with_the_next_word() -> None:
    sampled = _sampled("start [a | an] {minutes:number 1..20} minute timer")
    assert "start an eight minute timer" in sampled
    assert "start an eleven minute timer" in sampled
    assert "start a ten minute timer" in sampled
    assert "start a one minute timer" in sampled
    assert "start ten minute timer" in sampled
    assert {s for s in sampled if s.startswith("start an ")} == {
        "start an eight minute timer",
        "start an eleven minute timer",
        "start an eighteen minute timer",
    }
    assert len(sampled) == 40  # each of 1..20 with its article and without


def test_an_optional_article_is_dropped_before_the_numbers_own() -> None:
    sampled = _sampled("start [a | an] {seconds:number 100..101} second timer")
    assert sampled == {
        "start a hundred second timer",
        "start a hundred and one second timer",
        "start a hundred one second timer",
        "start one hundred second timer",
        "start a one hundred second timer",
        "start one hundred and one second timer",
        "start a one hundred and one second timer",
        "start one hundred one second timer",
        "start a one hundred one second timer",
    }


def test_a_required_article_stays() -> None:
    assert _sampled("take (a | an) {item:number 8..8}") == {"take an eight"}
    assert _sampled("take (a | an)") == {"take a"}


def test_edit_distance_stops_at_the_limit() -> None:
    assert edit_distance("lights on", "nights on", 2) == 1
    assert edit_distance("timer", "volume up", 2) == 3
