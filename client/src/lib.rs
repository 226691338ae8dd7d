//! Typed Rust client for helmd: connect (plain or TLS) and get one typed stub per service.

mod error;

use std::time::Duration;

use helmd_proto::v1::chart_service_client::ChartServiceClient;
use helmd_proto::v1::operation_service_client::OperationServiceClient;
use helmd_proto::v1::release_service_client::ReleaseServiceClient;
use helmd_proto::v1::repository_service_client::RepositoryServiceClient;
use helmd_proto::v1::server_service_client::ServerServiceClient;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::health_client::HealthClient;

pub use error::{Error, Result};
pub use helmd_proto::v1 as proto;

/// The address helmctl and the client use when none is given.
pub const DEFAULT_SERVER: &str = "127.0.0.1:50051";

/// TLS settings for reaching helmd.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM CA bundle to trust instead of the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Server name to verify, when it differs from the host in the address.
    pub server_name: Option<String>,
    /// Client certificate and key (PEM) for mutual TLS.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

/// How to reach helmd.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `host:port` or a full `http://` / `https://` URL.
    pub server: String,
    /// TLS settings; `None` speaks plain HTTP/2 unless the URL says `https://`.
    pub tls: Option<TlsOptions>,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            server: DEFAULT_SERVER.to_owned(),
            tls: None,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A connection to helmd with typed stubs for each service.
#[derive(Debug, Clone)]
pub struct Client {
    channel: Channel,
}

impl Client {
    /// Connects to helmd.
    pub async fn connect(config: &ClientConfig) -> Result<Self> {
        let endpoint = endpoint(config)?;
        let channel = endpoint.connect().await.map_err(|source| Error::Connect {
            server: config.server.clone(),
            source,
        })?;
        Ok(Client { channel })
    }

    /// Wraps an existing channel.
    pub fn from_channel(channel: Channel) -> Self {
        Client { channel }
    }

    /// The ReleaseService stub.
    pub fn releases(&self) -> ReleaseServiceClient<Channel> {
        ReleaseServiceClient::new(self.channel.clone())
    }

    /// The ChartService stub.
    pub fn charts(&self) -> ChartServiceClient<Channel> {
        ChartServiceClient::new(self.channel.clone())
    }

    /// The RepositoryService stub.
    pub fn repositories(&self) -> RepositoryServiceClient<Channel> {
        RepositoryServiceClient::new(self.channel.clone())
    }

    /// The OperationService stub.
    pub fn operations(&self) -> OperationServiceClient<Channel> {
        OperationServiceClient::new(self.channel.clone())
    }

    /// The ServerService stub.
    pub fn server(&self) -> ServerServiceClient<Channel> {
        ServerServiceClient::new(self.channel.clone())
    }

    /// The standard `grpc.health.v1.Health` stub.
    pub fn health(&self) -> HealthClient<Channel> {
        HealthClient::new(self.channel.clone())
    }
}

/// Builds the endpoint: scheme from the URL or the TLS setting, TLS roots and identity.
fn endpoint(config: &ClientConfig) -> Result<Endpoint> {
    let server = config.server.trim();
    let url = if server.contains("://") {
        server.to_owned()
    } else if config.tls.is_some() {
        format!("https://{server}")
    } else {
        format!("http://{server}")
    };
    let mut endpoint = Endpoint::from_shared(url.clone())
        .map_err(|e| Error::InvalidServer {
            server: server.to_owned(),
            reason: e.to_string(),
        })?
        .connect_timeout(config.connect_timeout);
    if url.starts_with("https://") {
        let options = config.tls.clone().unwrap_or_default();
        let mut tls = ClientTlsConfig::new().with_native_roots();
        if let Some(ca) = options.ca_pem {
            tls = tls.ca_certificate(Certificate::from_pem(ca));
        }
        if let Some(name) = options.server_name {
            tls = tls.domain_name(name);
        }
        if let Some((cert, key)) = options.identity {
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|source| Error::Tls { source })?;
    }
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_addresses_become_http_urls() {
        let e = endpoint(&ClientConfig {
            server: "127.0.0.1:1".into(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(e.uri().to_string(), "http://127.0.0.1:1/");
    }

    #[test]
    fn tls_options_switch_to_https() {
        let config = ClientConfig {
            server: "localhost:1".into(),
            tls: Some(TlsOptions::default()),
            ..Default::default()
        };
        assert_eq!(
            endpoint(&config).expect("valid").uri().scheme_str(),
            Some("https")
        );
    }

    #[test]
    fn garbage_server_is_rejected() {
        let config = ClientConfig {
            server: "http://[::1".into(),
            ..Default::default()
        };
        assert!(matches!(
            endpoint(&config),
            Err(Error::InvalidServer { .. })
        ));
    }
}
