import sys

from image_saver.cli import main

sys.exit(main())
