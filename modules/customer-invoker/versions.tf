terraform {
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.0: Lambda logging_config, per-resource region.
      version = ">= 6.0"
    }
    archive = {
      source = "hashicorp/archive"
      # 1.3: multiple `source` blocks, zipped in sorted order with zero timestamps.
      version = ">= 1.3.0"
    }
  }
}
