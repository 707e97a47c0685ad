"""The Qt view: a thin layer over gdviz.core."""
