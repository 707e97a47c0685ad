"""The lesson's sentences say no more than is known: hedged where the science is debated,
pointing at the demo that shows it, exact about counts. No Qt here."""
from __future__ import annotations

import pytest

from gdviz.scenario import load
from gdviz.lesson import load_lesson


@pytest.fixture(scope="module")
def lesson():
    return load_lesson()


def practice(lesson, key):
    return next(p for p in lesson.practice if p.key == key)


def test_regulariser_claim_is_hedged_and_points_to_the_demos(lesson):
    text = practice(lesson, "noise_regularises").text
    assert "acts like a mild regulariser" not in text
    assert "debated" in text and "hypothesis" in text
    titles = {int(s.title.split()[1]): s.title for s in map(load, (
        "lesson-5-saddle", "lesson-6-sharp-flat"))}
    assert "saddle" in titles[5].lower() and "flat" in titles[6].lower()
    assert "(Lesson 5)" in text and "(Lesson 6)" in text


def test_generalisation_claims_are_hedged(lesson):
    groups = {g.key: g for g in lesson.proscons}
    helpful = next(p for p in groups["small"].pros if p.key == "helpful_noise").text
    worse = next(c for c in groups["large"].cons if c.key == "generalisation").text
    assert "often generalise better" not in helpful
    assert "debated" in helpful and "Lesson 6" in helpful
    assert "debated" in worse and "Keskar" in worse
    for name in ("sharp-flat", "lesson-6-sharp-flat"):
        note = load(name).note
        assert "debated hypothesis (Keskar et al. 2017)" in note
        assert "often generalise better" not in note


def test_hill_analogy_averages_instead_of_voting(lesson):
    hill = next(a for a in lesson.analogies if a.key == "hill")
    assert "most of them" not in hill.mini_batch
    assert "average of the directions" in hill.mini_batch


def test_bigger_is_better_sentence_reads(lesson):
    text = next(m for m in lesson.mistakes if m.key == "bigger_is_better").text
    assert "give fewer" not in text
    assert "a bigger batch needs more memory, gives fewer steps per epoch and does not" in text


def test_every_ceiling_count_names_the_drop_last_floor(lesson):
    epoch = next(s for s in lesson.notation.symbols if s.tex == r"\text{epoch}")
    texts = [epoch.text, practice(lesson, "epoch").text,
             next(m for m in lesson.mistakes if m.key == "epoch_is_one_update").text,
             next(m for m in lesson.methods if m.key == "mini_batch").how_often]
    for text in texts:
        assert "⌈N/B⌉" in text and "⌊N/B⌋" in text and "dropped" in text, text
    assert any(s.tex == r"\lfloor\cdot\rfloor" for s in lesson.notation.symbols)


def test_linear_scaling_rule_states_its_limit(lesson):
    text = practice(lesson, "learning_rate").text
    assert "linear scaling rule" in text
    assert "only up to a limit" in text and "2/λ_max" in text and "Lesson 4" in text
    note = load("lesson-4-lr-and-batch").note
    assert "only up to that limit" in note and "2/λ_max ≈" in note
