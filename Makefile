.PHONY: install test lint format bench quality

install:
	python3 -m pip install -e '.[test]'

test:
	python3 -m pytest

lint:
	ruff check .
	ruff format --check .
	mypy

format:
	ruff check --fix .
	ruff format .

bench:
	python3 benchmarks/throughput.py

quality:
	python3 benchmarks/quality.py
