"""The simulation engine: NumPy only, no Qt, no torch."""

METHOD_KEYS = ("full_batch", "mini_batch", "stochastic")
METHOD_LABELS = {"full_batch": "Full batch", "mini_batch": "Mini-batch", "stochastic": "Stochastic"}
CLOCK_KINDS = ("updates", "examples", "hardware")
CLOCK_LABELS = {
    "updates": "per update",
    "examples": "per example seen",
    "hardware": "simulated hardware time",
}
