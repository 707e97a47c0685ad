# PyInstaller runtime hook: runs before gdviz is imported in the frozen app.
# gdviz/resources.py: resources_dir() honours GDVIZ_RESOURCES first; the spec puts the repo's
# resources/ folder at <sys._MEIPASS>/resources (in PyInstaller >= 6 that is dist/gdviz/_internal).
import os
import sys

os.environ.setdefault("GDVIZ_RESOURCES", os.path.join(sys._MEIPASS, "resources"))
