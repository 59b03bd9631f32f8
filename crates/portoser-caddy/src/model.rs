//! What the ingress should serve, before it is text.

/// The whole Caddyfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caddyfile {
    pub global: Global,
    /// Sorted by hostname.
    pub sites: Vec<Site>,
    /// Services with a hostname that are not proxied, sorted by hostname.
    pub skipped: Vec<Skipped>,
    /// Files on the machine running portoser that reload copies to the ingress host (TLS
    /// certificates and keys, client CAs), sorted by remote path.
    pub files: Vec<LocalFile>,
}

/// The global options block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    /// The host Caddy runs on (registry `caddy.ingress_host`), if set.
    pub ingress_host: Option<String>,
    /// `127.0.0.1:2019`: explicit, so a reload knows where to send the config.
    pub admin: String,
    pub http_port: u16,
    pub https_port: u16,
    pub email: Option<String>,
    /// The Caddyfile's path on the ingress host.
    pub caddyfile_path: String,
    /// The `caddy` program on the ingress host (registry `caddy.binary`, default `caddy`):
    /// what reload runs `adapt` with and `hosts check` asks for its version.
    pub binary: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub hostname: String,
    /// The registry services behind it (several = replicas, load balanced), sorted.
    pub services: Vec<String>,
    /// `address:port`, sorted.
    pub upstreams: Vec<String>,
    pub tls: Tls,
    /// The client CA on the ingress host when mTLS is enforced.
    pub client_ca: Option<String>,
    /// Set when the upstreams speak HTTPS (the service's health URL is `https://`).
    pub upstream_tls: Option<UpstreamTls>,
    pub health: Option<HealthCheck>,
}

/// How Caddy checks the certificate of an HTTPS upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamTls {
    /// The name the upstream's certificate must carry: the site's hostname.
    pub server_name: String,
    /// The service's `ca_cert` on the ingress host; `None`: the system's trust store.
    pub ca: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tls {
    /// Caddy's internal CA issues the site certificate (no ACME: hosts are private).
    Internal,
    /// Certificate and key files on the ingress host.
    Files { cert: String, key: String },
}

/// Caddy's active health check of the upstreams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Path and query of the service's HTTP health URL.
    pub uri: String,
    /// Set when the health URL uses another port than the service's.
    pub port: Option<u16>,
    /// Caddy duration text (`10s`).
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub status: Option<u16>,
    /// `expect_body` as Caddy's `health_body` regular expression (the text, escaped).
    pub body: Option<String>,
}

/// A service with a hostname that the HTTP proxy leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub hostname: String,
    pub service: String,
    pub reason: String,
}

/// A file reload copies to the ingress host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFile {
    /// As written in the registry (relative paths are relative to the project directory).
    pub local: String,
    /// Absolute path on the ingress host.
    pub remote: String,
    /// A private key gets 0600, certificates 0644.
    pub private: bool,
    /// A short digest of a certificate's content, set by the caller that reads it (never for
    /// a key): rendered as a comment, so a replaced certificate changes the Caddyfile and the
    /// plan reloads Caddy.
    pub digest: Option<String>,
}
