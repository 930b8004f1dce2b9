from kiosk.wording import counted


def test_a_count_of_one_takes_the_singular_and_any_other_count_the_plural() -> None:
    assert [counted(n, "template") for n in (0, 1, 2)] == ["0 templates", "1 template", "2 templates"]
