"""``python -m nexus.config docs/pipeline.md``: regenerate the key tables of the named markdown files."""

import sys

from nexus.config.render import main

sys.exit(main())
