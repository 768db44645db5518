#!/usr/bin/env bash
# Provide the project's toolchain, idempotently, in a per-user cache keyed by
# version:
#   - a Terraform CLI >= TERRAFORM_MIN_VERSION (terraform from PATH, else OpenTofu
#     built from the Go module proxy);
#   - the hashicorp/aws and hashicorp/archive providers as an unpacked filesystem
#     mirror plus a CLI config pointing at it, when the registry is unreachable;
#   - tflint with the AWS ruleset plugin, terraform-docs, checkov;
#   - the embedded AWS's test tools: the IAM policy evaluator (npm packages pinned by
#     tests/fakes/iam/package-lock.json) and the Lambda Runtime Interface Emulator;
#   - the repository's Python virtual environment (.venv).
# Everything it resolves is written to $CACHE_DIR/toolchain.env, which the
# Makefile and the tests read. A run with everything cached builds nothing.
#
# Usage: tools/toolchain.sh [all|terraform|providers|tflint|terraform-docs|checkov|iam-evaluator|lambda-rie|venv]...
# Environment:
#   BTL_CACHE_DIR          cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/bedrock-tenant-logging)
#   BTL_PROVIDER_SOURCE    auto (default) | registry | mirror
#   TF_BIN                 a Terraform/OpenTofu binary to use instead of searching
#   PYTHON                 interpreter for .venv (default: python3.12, then python3)
set -euo pipefail

tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$tools_dir")
# shellcheck source=tools/versions.env
source "$tools_dir/versions.env"

CACHE_DIR=${BTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bedrock-tenant-logging}
BIN_DIR=$CACHE_DIR/bin
MIRROR_DIR=$CACHE_DIR/mirror
LOG_DIR=$CACHE_DIR/logs
ENV_FILE=$CACHE_DIR/toolchain.env
mkdir -p "$BIN_DIR" "$MIRROR_DIR" "$LOG_DIR"

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] error: %s\n' "$*" >&2; exit 1; }

# --- state written to toolchain.env -----------------------------------------
declare -A resolved=()
load_env() {
  [[ -f $ENV_FILE ]] || return 0
  local key value
  while IFS='=' read -r key value; do
    if [[ $key =~ ^[A-Z_]+$ ]]; then resolved[$key]=$value; fi
  done <"$ENV_FILE"
}
save_env() {
  local tmp key
  tmp=$(mktemp "$CACHE_DIR/toolchain.env.XXXXXX")
  {
    echo "# Written by tools/toolchain.sh; read by the Makefile and tests/toolchain.py."
    for key in $(printf '%s\n' "${!resolved[@]}" | sort); do
      echo "$key=${resolved[$key]}"
    done
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

# --- Go builds ----------------------------------------------------------------
require_go() {
  command -v go >/dev/null || die "Go is required to build the toolchain offline (go >= 1.26); install it and re-run"
}

# go_build NAME MODULE@VERSION PACKAGE OUTPUT [LDFLAGS...]
# Downloads the module through the Go module proxy, builds PACKAGE from a writable
# copy (modules with replace directives refuse `go install`), and records the
# wall time and peak memory of the build in $LOG_DIR/NAME.build.
go_build() {
  local name=$1 modver=$2 pkg=$3 out=$4 ldflags="-s -w ${5:-}"
  [[ -x $out ]] && return 0
  require_go
  local moddir src start status
  moddir=$(go_module_dir "$modver")
  src=$CACHE_DIR/src/$name
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"
  log "building $name from $modver (this can take a while)"
  start=$(date +%s)
  status=0
  build_once "$name" "$src" "$pkg" "$out.tmp" "$ldflags" "" || status=$?
  if [[ $status -ne 0 ]]; then
    # The usual cause is the compiler being killed for memory: retry serially.
    log "$name build failed (exit $status); retrying with GOFLAGS=-p=1"
    build_once "$name" "$src" "$pkg" "$out.tmp" "$ldflags" "-p=1" || die "building $name failed; see $LOG_DIR/$name.build"
  fi
  mv "$out.tmp" "$out"
  rm -rf "$src"
  log "built $name in $(($(date +%s) - start))s, $(du -h "$out" | cut -f1) ($(peak_rss "$name"))"
}

build_once() {
  local name=$1 src=$2 pkg=$3 out=$4 ldflags=$5 extra_goflags=$6
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$LOG_DIR/$name.time")
  (
    cd "$src"
    export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false $extra_goflags"
    "${timer[@]}" go build -trimpath -ldflags "$ldflags" -o "$out" "$pkg"
  ) >"$LOG_DIR/$name.build" 2>&1
}

peak_rss() {
  local f=$LOG_DIR/$1.time
  [[ -f $f ]] || { echo "peak memory not measured"; return; }
  awk -F': ' '/Maximum resident set size/ {printf "peak RSS %.0f MiB", $2/1024}' "$f"
}

go_module_dir() {
  local json dir
  json=$(go mod download -json "$1") || die "go mod download $1 failed: $json"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -d $dir ]] || die "go mod download $1 returned no directory: $json"
  echo "$dir"
}

# --- Terraform CLI --------------------------------------------------------------
version_at_least() { # version_at_least HAVE WANT
  [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]
}

cli_version() {
  "$1" version 2>/dev/null | sed -n '1s/^[A-Za-z]* v\{0,1\}\([0-9][0-9.]*\).*/\1/p'
}

ensure_terraform() {
  local candidate=${TF_BIN:-} version
  if [[ -z $candidate ]] && command -v terraform >/dev/null; then
    candidate=$(command -v terraform)
  fi
  if [[ -n $candidate ]]; then
    version=$(cli_version "$candidate")
    if [[ -n $version ]] && version_at_least "$version" "$TERRAFORM_MIN_VERSION"; then
      resolved[TF_BIN]=$candidate
      log "terraform CLI: $candidate ($version)"
      return
    fi
    log "$candidate reports version '${version:-unknown}', below $TERRAFORM_MIN_VERSION; building OpenTofu instead"
  fi
  local tofu=$BIN_DIR/tofu-$OPENTOFU_VERSION
  go_build "tofu-$OPENTOFU_VERSION" "github.com/opentofu/opentofu@$OPENTOFU_VERSION" ./cmd/tofu "$tofu"
  resolved[TF_BIN]=$tofu
  log "terraform CLI: $tofu"
}

# --- providers -------------------------------------------------------------------
registry_reachable() {
  curl -fsS --max-time 5 -o /dev/null https://registry.terraform.io/.well-known/terraform.json 2>/dev/null
}

# mirror_provider TYPE MODULE_VERSION
mirror_provider() {
  local type=$1 modver=$2 module version platform binary host dir
  module=github.com/hashicorp/terraform-provider-$type
  platform=$(go env GOOS)_$(go env GOARCH)
  version=$(provider_version "$module@$modver")
  binary=$CACHE_DIR/providers/terraform-provider-${type}_v$version
  go_build "provider-$type-$version" "$module@$modver" . "$binary" \
    "-X $module/version.ProviderVersion=$version"
  for host in registry.terraform.io registry.opentofu.org; do
    dir=$MIRROR_DIR/$host/hashicorp/$type/$version/$platform
    mkdir -p "$dir"
    [[ -e $dir/terraform-provider-${type}_v$version ]] ||
      ln -f "$binary" "$dir/terraform-provider-${type}_v$version" 2>/dev/null ||
      cp "$binary" "$dir/terraform-provider-${type}_v$version"
  done
  log "provider hashicorp/$type $version mirrored ($(du -h "$binary" | cut -f1))"
}

provider_version() {
  local dir
  dir=$(go_module_dir "$1")
  if [[ -f $dir/version/VERSION ]]; then
    tr -d '[:space:]' <"$dir/version/VERSION"
  else
    # A plain semver tag (the module predates the /vN mismatch).
    local v=${1##*@}
    echo "${v#v}"
  fi
}

ensure_providers() {
  local source=${BTL_PROVIDER_SOURCE:-auto}
  if [[ $source == auto ]]; then
    if registry_reachable; then source=registry; else source=mirror; fi
  fi
  case $source in
    registry)
      log "providers: from the Terraform registry (terraform init downloads them)"
      resolved[TF_CLI_CONFIG_FILE]=
      ;;
    mirror)
      mkdir -p "$CACHE_DIR/providers"
      mirror_provider aws "$AWS_PROVIDER_MODULE_VERSION"
      mirror_provider archive "$ARCHIVE_PROVIDER_MODULE_VERSION"
      mirror_provider random "$RANDOM_PROVIDER_MODULE_VERSION"
      write_cli_config
      resolved[TF_CLI_CONFIG_FILE]=$CACHE_DIR/terraform.rc
      log "providers: filesystem mirror $MIRROR_DIR (air-gapped mode)"
      ;;
    *) die "BTL_PROVIDER_SOURCE must be auto, registry or mirror, got '$source'" ;;
  esac
}

write_cli_config() {
  local tmp
  tmp=$(mktemp "$CACHE_DIR/terraform.rc.XXXXXX")
  cat >"$tmp" <<EOF
# Written by tools/toolchain.sh: install hashicorp providers from the local,
# unpacked filesystem mirror only (the registry is not reachable here).
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR_DIR"
    include = ["registry.terraform.io/hashicorp/*", "registry.opentofu.org/hashicorp/*"]
  }
}
EOF
  mv "$tmp" "$CACHE_DIR/terraform.rc"
}

# --- linters ---------------------------------------------------------------------
ensure_tflint() {
  local tflint=$BIN_DIR/tflint-$TFLINT_VERSION
  local plugin_dir=$CACHE_DIR/tflint-plugins/aws-$TFLINT_RULESET_AWS_VERSION
  go_build "tflint-$TFLINT_VERSION" "github.com/terraform-linters/tflint@$TFLINT_VERSION" . "$tflint"
  mkdir -p "$plugin_dir"
  go_build "tflint-ruleset-aws-$TFLINT_RULESET_AWS_VERSION" \
    "github.com/terraform-linters/tflint-ruleset-aws@$TFLINT_RULESET_AWS_VERSION" . "$plugin_dir/tflint-ruleset-aws"
  resolved[TFLINT]=$tflint
  resolved[TFLINT_PLUGIN_DIR]=$plugin_dir
  log "tflint: $tflint with the AWS ruleset in $plugin_dir"
}

ensure_terraform_docs() {
  local bin=$BIN_DIR/terraform-docs-$TERRAFORM_DOCS_VERSION
  go_build "terraform-docs-$TERRAFORM_DOCS_VERSION" \
    "github.com/terraform-docs/terraform-docs@$TERRAFORM_DOCS_VERSION" . "$bin"
  resolved[TERRAFORM_DOCS]=$bin
  log "terraform-docs: $bin"
}

# --- embedded AWS ----------------------------------------------------------------
apt_install() {
  command -v apt-get >/dev/null || die "$1 is required and apt-get is unavailable: install $1"
  log "installing the $* system package(s)"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

ensure_iam_evaluator() {
  # The embedded AWS's IAM policy evaluator (@cloud-copilot/iam-simulate, see
  # tests/fakes/policy.py), installed from the lock file into the cache.
  local source=$repo_dir/tests/fakes/iam key dir
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    die "Node.js >= 20 is required for the IAM evaluator, found $(node --version)"
  key=$(cat "$source/package.json" "$source/package-lock.json" | sha256sum | cut -c1-16)
  dir=$CACHE_DIR/iam-evaluator-$key
  if [[ ! -d $dir/node_modules/@cloud-copilot/iam-simulate ]]; then
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    cp "$source/package.json" "$source/package-lock.json" "$dir.tmp/"
    (cd "$dir.tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 ||
      die "npm ci of the IAM evaluator failed"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  resolved[IAM_EVALUATOR_MODULES]=$dir/node_modules
  log "IAM evaluator: $dir/node_modules (node $(node --version))"
}

ensure_lambda_rie() {
  local bin=$BIN_DIR/aws-lambda-rie-$LAMBDA_RIE_VERSION
  go_build "aws-lambda-rie-$LAMBDA_RIE_VERSION" \
    "github.com/aws/aws-lambda-runtime-interface-emulator@$LAMBDA_RIE_VERSION" ./cmd/aws-lambda-rie "$bin"
  resolved[LAMBDA_RIE]=$bin
  log "Lambda Runtime Interface Emulator: $bin"
}

# --- Python ----------------------------------------------------------------------
find_python() {
  if [[ -n ${PYTHON:-} ]]; then echo "$PYTHON"; return; fi
  local candidate
  for candidate in python3.12 "$(pyenv root 2>/dev/null)/versions/3.12"*/bin/python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python >= 3.11 is required (set PYTHON=/path/to/python3.12)"
}

ensure_venv_module() {
  local py=$1
  "$py" -c 'import venv, ensurepip' 2>/dev/null && return 0
  command -v apt-get >/dev/null || die "$py lacks the venv module and apt-get is unavailable"
  log "installing the python3-venv system package"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
}

# make_venv DIR PYTHON STAMP_INPUT PIP_ARGS...
make_venv() {
  local dir=$1 py=$2 stamp=$3
  shift 3
  [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]] && return 0
  ensure_venv_module "$py"
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  echo "$stamp" >"$dir/.stamp"
}

ensure_checkov() {
  # checkov pins boto3/botocore far below what the runtime needs, so it lives in
  # its own environment, cached by version like the Go-built tools.
  local dir=$CACHE_DIR/checkov-$CHECKOV_VERSION py
  py=$(find_python)
  make_venv "$dir" "$py" "$(sha256sum "$tools_dir/checkov-requirements.txt" | cut -c1-16)" \
    -r "$tools_dir/checkov-requirements.txt"
  resolved[CHECKOV]=$dir/bin/checkov
  log "checkov: $dir/bin/checkov ($("$dir/bin/checkov" --version))"
}

ensure_venv() {
  local py stamp
  py=$(find_python)
  stamp=$(cat "$repo_dir/requirements-dev.txt" "$repo_dir/python/pyproject.toml" | sha256sum | cut -c1-16)
  make_venv "$repo_dir/.venv" "$py" "$stamp" \
    -r "$repo_dir/requirements-dev.txt" --no-deps --editable "$repo_dir/python"
  log "python: $repo_dir/.venv ($("$repo_dir/.venv/bin/python" --version))"
}

# The Python and Node installs wait on the network, the Go builds on the CPU: with
# `all`, the former start in the background while the latter build. The sequential
# pass then waits for them and records their results (finding them installed, or
# installing again and failing there with the real error).
NETWORK_STEPS=" checkov iam-evaluator venv "
prefetch_pid=

prefetch() {
  (ensure_checkov && ensure_iam_evaluator && ensure_venv) >"$LOG_DIR/prefetch.log" 2>&1 &
  prefetch_pid=$!
  log "checkov, the IAM evaluator and .venv install in the background (log: $LOG_DIR/prefetch.log)"
}

await_prefetch() {
  [[ -n $prefetch_pid ]] || return 0
  wait "$prefetch_pid" || log "the background install failed (see $LOG_DIR/prefetch.log); installing again"
  prefetch_pid=
}

main() {
  local steps=("$@")
  [[ ${#steps[@]} -gt 0 ]] || steps=(all)
  load_env
  if [[ ${steps[0]} == all ]]; then
    steps=(terraform providers tflint terraform-docs lambda-rie checkov iam-evaluator venv)
    prefetch
  fi
  local step
  for step in "${steps[@]}"; do
    [[ $NETWORK_STEPS == *" $step "* ]] && await_prefetch
    case $step in
      terraform) ensure_terraform ;;
      providers) ensure_providers ;;
      tflint) ensure_tflint ;;
      terraform-docs) ensure_terraform_docs ;;
      checkov) ensure_checkov ;;
      iam-evaluator) ensure_iam_evaluator ;;
      lambda-rie) ensure_lambda_rie ;;
      venv) ensure_venv ;;
      *) die "unknown step '$step'" ;;
    esac
    save_env
  done
}

main "$@"
