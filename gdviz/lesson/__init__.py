"""Lesson content (texts and formulas from resources/lesson) and live values. No Qt."""
from gdviz.lesson.content import (
    METHOD_KEYS, Formula, Lesson, LessonContentError, MethodIntuition, load_lesson,
    default_lesson)
from gdviz.lesson.live import (
    LiveValues, live_latex, method_for_batch, predicted_noise, relative_noise,
    updates_per_epoch)

__all__ = [
    "METHOD_KEYS", "Formula", "Lesson", "LessonContentError", "MethodIntuition", "load_lesson",
    "default_lesson", "LiveValues", "live_latex", "method_for_batch", "predicted_noise",
    "relative_noise", "updates_per_epoch",
]
