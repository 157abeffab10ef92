# SPDX-License-Identifier: GPL-2.0
# Front door. The scripts do the work; see README.md.
#   make demo    base tree, apply, build, boot, show a peer-to-peer transfer
#   make check   every test; ends with "N passed, N failed"
#   make check-fresh  the two commands above in a fresh minimal Debian root
#   make mbox    the series as mail, one mbox per mailed part, as you: build/mbox/
#   make bench   the benchmark: one table, as CSV and a plot too, in build/bench/
# Variables: KERNEL_SRC=/path/to/linux (your git tree, new branch, your
# worktree untouched), KERNEL_BASE=<ref>, P2P_WORK=<build dir>,
# VARIANT=default|amd|iommu (make boot); for make check VARIANTS="default
# ..." or STAGES="lint,boot *" run a part only: PARTIAL, never a pass.

SHELL := /bin/bash
VARIANT ?= default

.PHONY: help deps base apply import export roundtrip quilt lint tooling \
	bisect kernel boot mutations demo check check-fresh mbox bench clean

help:
	@sed -n 's/^#   //p' Makefile
	@echo "Other targets: deps base apply import export roundtrip quilt lint tooling bisect kernel boot mutations clean"

deps:
	scripts/deps.sh

base: deps
	scripts/base-tree.sh

apply import: base
	scripts/apply-series.sh

export:
	scripts/export-series.sh

roundtrip: apply
	scripts/roundtrip.sh

quilt: base
	scripts/quilt-check.sh

lint:
	scripts/lint.sh

tooling: base
	scripts/selftest-tooling.sh

bisect: kernel
	scripts/bisect-build.sh

kernel: apply
	scripts/build-kernel.sh

boot:
	qemu-test/run-guest.sh -v $(VARIANT)

mutations: kernel
	scripts/mutations.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

bench: apply
	scripts/bench.sh

check-fresh:
	scripts/check-fresh.sh

# No identity, nothing else is done (-I), then the applied tree, then b4.
mbox:
	scripts/mbox.sh -I
	$(MAKE) --no-print-directory apply
	scripts/mbox.sh -a

clean:
	rm -rf build
