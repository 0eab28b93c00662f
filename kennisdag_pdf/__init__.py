"""kennisdag-pdf: one YAML file of knowledge-day data in, a typeset brochure out.

load (loader.py) → compose (compose.py, parts/) → render (render.py, document.py) → write (output.py)
"""

__version__ = "0.1.0"
