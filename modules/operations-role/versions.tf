terraform {
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.0: aws_bedrock_inference_profile with tags and per-resource region.
      version = ">= 6.0"
    }
  }
}
