import sys

from carecast.textscan.cli import main

sys.exit(main(sys.argv[1:]))
