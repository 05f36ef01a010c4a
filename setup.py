"""Builds eventlens's one compiled module; everything else is in pyproject.toml.

The module (``eventlens.nlp._greedy``) runs spaCy's own parse loop faster. It is optional: without a
C++ compiler the install goes on, and eventlens uses spaCy's loop, with the same output.
"""
from setuptools import Extension, setup

try:
    import numpy
    from Cython.Build import cythonize
except ImportError:  # no build tools: the pure-Python install
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension("eventlens.nlp._greedy", ["eventlens/nlp/_greedy.pyx"], language="c++",
                   include_dirs=[numpy.get_include()], optional=True)],
        language_level=3, quiet=True)

setup(ext_modules=ext_modules)
