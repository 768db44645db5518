# tflint configuration for modules/ and examples/. The AWS ruleset plugin is
# built by tools/toolchain.sh into TFLINT_PLUGIN_DIR; never run `tflint --init`.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

plugin "aws" {
  enabled = true
}
