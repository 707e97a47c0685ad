"""The rhythm strip's "now" triangles and update ticks grow with the presentation type beyond
a 1080p presentation's, as the canvas's marks do: at 3840×2160 (ratio 1) they stayed their
1080p size (13 px) beside 48-px type."""


def _size(strip, key="mini_batch") -> float:
    return float(strip.cursors[key].opts["size"])


def test_rhythm_markers_grow_with_the_presentation_type(qapp):
    from gdviz.ui.panels.rhythm import RhythmStrip
    from gdviz.ui.presentation import font_scale_for
    from gdviz.ui.theme import LIGHT
    strip = RhythmStrip({}, theme=LIGHT)
    try:
        normal = _size(strip)
        tick = strip.ticks["mini_batch"].opts["pen"].widthF()
        strip.set_font_scale(font_scale_for(1080))
        assert _size(strip) == normal                      # a 1080p presentation: as drawn
        strip.set_font_scale(font_scale_for(2160))
        ratio = font_scale_for(2160) / font_scale_for(1080)
        assert ratio > 1.9
        assert abs(_size(strip) - normal * ratio) <= 1.0, (_size(strip), normal, ratio)
        assert strip.ticks["mini_batch"].opts["pen"].widthF() == tick * ratio
        assert strip.cursors["mini_batch"].opts["pen"].widthF() == ratio
        strip.set_font_scale(1.0)                          # out of presentation: back
        assert _size(strip) == normal
    finally:
        strip.close()
        strip.deleteLater()
