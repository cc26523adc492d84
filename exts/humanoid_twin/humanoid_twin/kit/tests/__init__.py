"""Kit's own tests of the extension (run by Kit's test runner inside Isaac Sim, ``[[test]]`` in
``config/extension.toml``); the core is tested with pytest outside Kit."""

from .test_extension import TestExtension as TestExtension
