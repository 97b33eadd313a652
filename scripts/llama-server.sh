#!/usr/bin/env bash
# Serve a catalog model with llama.cpp's own llama-server: several requests decoded as one batch.
#
#   scripts/llama-server.sh MODEL PORT [SLOTS] [THREADS]
#   scripts/llama-server.sh qwen2.5-coder-1.5b 8101 4 1     # then: bench/precision.py \
#       --model qwen2.5-coder-1.5b --api-base http://127.0.0.1:8101/v1 --set llm.max_concurrency=4
#
# Why: `verigen model serve` (llama_cpp.server) decodes one request at a time. On a CPU each
# decoding step reads every weight once, for one token; with 4 requests in one batch the same
# read serves 4 tokens. On the team's 2-core machine the 1.5B model gave about 5 tokens/s per
# core alone and about 16 batched (docs/precision.md), which turns the 1.5B precision bench from
# a night into an afternoon. It is a bench tool: verigen itself keeps llama_cpp.server, a
# Python dependency with nothing to compile beyond the pip install.
#
# Offline and pinned: the source is the llama-cpp-python sdist requirements.lock pins (its
# vendored llama.cpp), downloaded by pip with the lock's hash, and built without the web UI or
# any download. The first run builds (about 10 minutes on 2 cores) into .cache/llama-server;
# later runs reuse the binary. The model is the catalog's file, fetched and verified as usual.
set -euo pipefail

model=${1:?usage: scripts/llama-server.sh MODEL PORT [SLOTS] [THREADS]}
port=${2:?usage: scripts/llama-server.sh MODEL PORT [SLOTS] [THREADS]}
slots=${3:-4}
threads=${4:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.venv/bin
cache=$root/.cache/llama-server

pin=$(grep -A1 '^llama-cpp-python==' "$root/requirements.lock" | tr -d '\\\n' | tr -s ' ')
version=${pin#llama-cpp-python==}
version=${version%% *}
src=$cache/llama_cpp_python-$version/vendor/llama.cpp
server=$src/build/bin/llama-server

if [[ ! -x $server ]]; then
    mkdir -p "$cache"
    echo "$pin" >"$cache/requirement.txt"
    "$bin/pip" download -q --no-deps --no-binary :all: --require-hashes \
        -r "$cache/requirement.txt" -d "$cache"
    tar -xzf "$cache/llama_cpp_python-$version.tar.gz" -C "$cache"
    cmake -S "$src" -B "$src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
    cmake --build "$src/build" --target llama-server -j "$(nproc)"
fi

gguf=$("$bin/verigen" model fetch "$model" | sed -n 's/^verified: //p' | tail -n 1)
[[ -f $gguf ]] || { echo "llama-server.sh: no verified file for $model" >&2; exit 1; }
# 8192 tokens per slot, as verigen's own server gives its one request
exec "$server" -m "$gguf" --alias "$model" --host 127.0.0.1 --port "$port" \
    -c $((8192 * slots)) -np "$slots" -t "$threads" -tb "$threads" --no-webui
