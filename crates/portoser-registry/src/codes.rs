//! The registry's diagnostic codes (E01xx/W01xx). Stable: a code never changes meaning.

use portoser_diag::CodeInfo;

pub const CODES: &[CodeInfo] = &[
    CodeInfo::error("E0101", "registry or service file is not valid YAML"),
    CodeInfo::error("E0102", "dependency on an unknown service"),
    CodeInfo::error("E0103", "value of the wrong type"),
    CodeInfo::error("E0104", "required field missing"),
    CodeInfo::error("E0105", "port out of range"),
    CodeInfo::error("E0106", "key defined twice"),
    CodeInfo::error("E0107", "file is empty or its top level is not a map"),
    CodeInfo::error("E0108", "service placed on an unknown host"),
    CodeInfo::error("E0109", "dependency cycle"),
    CodeInfo::error("E0110", "two services on one host and port"),
    CodeInfo::error("E0111", "two services with one hostname"),
    CodeInfo::error("E0112", "unknown deployment_type"),
    CodeInfo::error("E0113", "field required by the deployment type missing"),
    CodeInfo::error(
        "E0114",
        "tls_cert without tls_key or tls_key without tls_cert",
    ),
    CodeInfo::error(
        "E0115",
        "host address is neither an IP address nor a DNS name",
    ),
    CodeInfo::error("E0116", "path escapes the host's base directory"),
    CodeInfo::error("E0117", "host or service name is not a safe name"),
    CodeInfo::error("E0118", "value could inject an option or a command"),
    CodeInfo::error("E0119", "environment variable name is not valid"),
    CodeInfo::error("E0120", "environment value contains a newline or NUL"),
    CodeInfo::error("E0121", "secret reference is not `path#key`"),
    CodeInfo::error("E0122", "unknown health check type"),
    CodeInfo::error("E0123", "health check endpoint does not fit its type"),
    CodeInfo::error("E0124", "healthcheck_url is not an http(s) URL"),
    CodeInfo::error("E0125", "unknown on_failure"),
    CodeInfo::error("E0126", "caddy ingress_host is not a declared host"),
    CodeInfo::error("E0127", "value not understood"),
    CodeInfo::warning("W0101", "unknown key"),
    CodeInfo::warning("W0102", "registry declares no hosts or no services"),
    CodeInfo::warning("W0103", "service is not placed on any host"),
    CodeInfo::warning("W0104", "deprecated or ignored field"),
    CodeInfo::warning("W0105", "health block has nothing to check"),
];
