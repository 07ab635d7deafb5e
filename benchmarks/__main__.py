"""``python -m benchmarks``: run the whole suite and print the tables."""

from benchmarks.run import main

main()
