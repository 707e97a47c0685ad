"""The simulation engine: NumPy only, no Qt, no torch."""

METHOD_KEYS = ("full_batch", "mini_batch", "stochastic")
METHOD_LABELS = {"full_batch": "Full batch", "mini_batch": "Mini-batch", "stochastic": "Stochastic"}
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
