#!/bin/sh
# Reads nothing, answers nothing: an exec step's timeout must kill it (and its
# child `sleep`, which shares its process group). $1: the sleep's seconds
# (a test gives its own, to find its sleep and no other test's).
echo "hang: going to sleep" >&2
sleep "${1:-600}"
