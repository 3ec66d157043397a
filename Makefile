# `make install [PREFIX=DIR]`: the release build with completions and a man page (scripts/install.sh).
PREFIX ?= /usr/local

.PHONY: install check-install test demo

install:
	scripts/install.sh --prefix "$(PREFIX)"

check-install:
	scripts/check-install.sh "$(PREFIX)"

test:
	swift test

demo:
	swift run rehearse demo
