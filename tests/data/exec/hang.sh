#!/bin/sh
# Reads nothing, answers nothing: an exec step's timeout must kill it (and its
# child `sleep`, which shares its process group).
echo "hang: going to sleep" >&2
sleep 600
