#!/usr/bin/env bash
# Nothing above proto/ touches Cap'n Proto or ZeroMQ: the coordinator, the
# worker, the CLI and common/ include neither's headers (proto/link.h and
# proto/wire.h carry typed messages). Tests may, to play hostile peers.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
found=$(grep -rnE '#include *[<"](capnp/|kj/|zmq\.h|zmq\.hpp|zmq_addon\.hpp|proto/sluice\.capnp\.h|proto/socket\.h|proto/zap\.h|proto/waker\.h)' \
  coordinator worker tools common --include='*.h' --include='*.cc' || true)
if [ -n "$found" ]; then
  echo "Cap'n Proto or ZeroMQ headers outside proto/ (use proto/messages.h, proto/wire.h, proto/link.h):"
  echo "$found"
  exit 1
fi
echo "no Cap'n Proto or ZeroMQ header outside proto/"
