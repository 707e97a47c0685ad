"""The simulation engine: NumPy only, no Qt, no torch."""

METHOD_KEYS = ("full_batch", "mini_batch", "stochastic")
METHOD_LABELS = {"full_batch": "Full batch", "mini_batch": "Mini-batch", "stochastic": "Stochastic"}
# The methods' colours, the only place they are written (Okabe-Ito: colour-blind safe, keeping
# the blue / green / orange identity); the dark theme's are the same hues, a little lighter so
# thin lines stay visible. gdviz.ui.theme draws with them, the lesson texts are written in them.
METHOD_COLORS = {"full_batch": "#0072B2", "mini_batch": "#009E73", "stochastic": "#E69F00"}
METHOD_COLORS_DARK = {"full_batch": "#56B4E9", "mini_batch": "#2BD1A0", "stochastic": "#F0B429"}
CLOCK_KINDS = ("updates", "examples", "hardware")
CLOCK_LABELS = {
    "updates": "per update",
    "examples": "per example seen",
    "hardware": "simulated hardware time",
}
# the batch sizes the slider marks and [ ] steps through (with 1 and N)
COMMON_BATCH_SIZES = (16, 32, 64, 128, 256, 512)
# clock ticks per second a run can be played (and exported) at
MIN_SPEED, MAX_SPEED = 0.5, 20_000.0
