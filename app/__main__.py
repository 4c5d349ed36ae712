import sys

from app.commands import main

sys.exit(main())
