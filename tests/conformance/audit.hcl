# The server configuration the conformance tour is recorded with, beside `-dev`:
#   bao server -dev -dev-root-token-id=<not root> -dev-no-store-token \
#     -config=tests/conformance/audit.hcl
# OpenBao enables audit devices only from its configuration (`PUT /v1/sys/audit/:path` answers
# 400 `cannot enable audit device via API`): this declares one, so `GET /v1/sys/audit`
# (`auditing-list-enabled-devices`) answers an entry to learn from. It writes nowhere.
audit "file" "conformance-audit" {
  description = "Declared in the server's configuration (the conformance tour)"
  options {
    file_path = "discard"
  }
}
