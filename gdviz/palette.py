"""The methods' colours, the only place they are written: the window draws with them
(gdviz.ui.theme) and the lesson texts are written in them (gdviz.lesson). No Qt here.

Okabe-Ito: colour-blind safe, keeping the blue / green / orange identity; the dark theme's are
the same hues, a little lighter so thin lines stay visible.
"""
METHOD_COLORS = {"full_batch": "#0072B2", "mini_batch": "#009E73", "stochastic": "#E69F00"}
METHOD_COLORS_DARK = {"full_batch": "#56B4E9", "mini_batch": "#2BD1A0", "stochastic": "#F0B429"}
