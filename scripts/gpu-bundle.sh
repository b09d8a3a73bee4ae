#!/usr/bin/env bash
# Packs `npm run bench:gpu` for a GPU machine that has no Node.js and no npm (the lent H200): this
# Node binary (xz), the bench and its row worker bundled by esbuild (tsx's own), and dawn.node for
# linux-x64. About 35 MiB, under the device tool's 64 MiB carry limit. Writes .gpu-bundle/.
#
# The later session's steps (read /work/.library/device/README.md first), from the repo root:
#   once:  echo /.gl/ >>.git/info/exclude; echo /.gpu-bundle/ >>.git/info/exclude
#          mkdir -p .gl /tmp/amd64/partial; o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#          apt-get $o update; (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
#          scripts/gpu-bundle.sh
#   run (device tool, carry [".gl", ".gpu-bundle"], timeout_s 600):
#          for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig;
#          export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json;
#          .gpu-bundle/run.sh --out $OUT/gpu.json 2>&1 | tee $OUT/log
# Check it here first on the software GPU: `.gpu-bundle/run.sh --tiny --out /tmp/gpu.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-bundle
rm -rf "$out" && mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
esbuild=node_modules/esbuild/bin/esbuild
[ -x "$esbuild" ] || esbuild=$(node -e "console.log(require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsx')] }))")
# ESM with a real `require` for the CommonJS tfjs bundles; webgpu stays a package (dawn.node is found
# beside its index.js); the wasm backend and tfjs-node are never loaded on this path.
banner="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
for entry in gpu train-worker; do
  "$esbuild" "bench/$entry.ts" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:sharp \
    --banner:js="$banner" --outfile="$out/$entry.mjs"
done
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$out/dawn.node.xz"
xz -T0 -6 -c "$(command -v node)" >"$out/node.xz"
cat >"$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Copies the bundle to /tmp, unpacks node and dawn.node there, runs bench:gpu; arguments pass through.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work=/tmp/skewer-gpu-bundle
rm -rf "$work" && cp -r "$here" "$work"
xz -dc "$work/node.xz" >"$work/node" && chmod +x "$work/node"
xz -dc "$work/dawn.node.xz" >"$work/node_modules/webgpu/dist/linux-x64/dawn.node"
export SKEWER_BENCH_WORKER="$work/train-worker.mjs"
exec "$work/node" "$work/gpu.mjs" "$@"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
