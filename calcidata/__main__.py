import sys

from calcidata.cli import main

sys.exit(main())
