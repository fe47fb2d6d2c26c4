import sys

from txip_geo.cli import main

sys.exit(main())
