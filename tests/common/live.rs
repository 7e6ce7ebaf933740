//! Setups the live tests share (against the server of [`super::live_client`]).

#[cfg(any(feature = "sys", feature = "auth-token"))]
use hashivault::Client;
use hashivault::SecretString;

/// An AppRole mount of a test's own, with one role: what a login needs.
pub struct AppRoleSetup {
    /// The mount path (unique to the test run).
    pub mount: String,
    /// The role's `role_id`.
    pub role_id: String,
    /// A fresh `secret_id` of the role (from the generated answer's `Sensitive`, never exposed).
    pub secret_id: SecretString,
}

/// The `data` of a generated call that must succeed: `data(api.x().send()).await`.
pub async fn data<T>(
    sent: impl std::future::Future<
        Output = Result<hashivault::Response<hashivault::Envelope<T>>, hashivault::Error>,
    >,
) -> T {
    sent.await.unwrap().into_inner().into_data().unwrap()
}

/// Mounts a secrets engine (`engine: true`) or enables an auth method of type `kind` at
/// `path`, through the generated API.
#[cfg(feature = "sys")]
pub async fn enable(client: &Client, path: &str, kind: &str, engine: bool) {
    let api = client.api();
    let kind = kind.to_string();
    let sent = if engine {
        let request = api.mounts_enable_secrets_engine().path(path);
        request.body_map(|b| b.type_(kind)).send().await.map(drop)
    } else {
        let request = api.auth_enable_method().path(path);
        request.body_map(|b| b.type_(kind)).send().await.map(drop)
    };
    sent.unwrap();
}

/// A client of `root`'s server with a new token of `root`'s making: policy `default` only, for
/// `ttl` (through the generated `token_create`).
#[cfg(feature = "auth-token")]
pub async fn default_policy_client(root: &Client, ttl: &str) -> Client {
    let created = root
        .api()
        .token_create()
        .body_map(|b| {
            b.policies(vec!["default".to_string()])
                .ttl(hashivault::VaultDuration::from(ttl))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    root.with_token(created.auth.unwrap().client_token).unwrap()
}

/// The generated `sys/mounts` list by `client`, which must be denied (403); the error.
#[cfg(feature = "sys")]
pub async fn mounts_denied(client: &Client) -> hashivault::Error {
    let api = client.api();
    let err = api.mounts_list_secrets_engines().send().await.unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    err
}

/// Disables the secrets engine (`engine: true`) or auth method mounted at `path`, through the
/// generated API.
#[cfg(feature = "sys")]
pub async fn disable(client: &Client, path: &str, engine: bool) {
    let api = client.api();
    let sent = if engine {
        api.mounts_disable_secrets_engine()
            .path(path)
            .send()
            .await
            .map(drop)
    } else {
        api.auth_disable_method().path(path).send().await.map(drop)
    };
    sent.unwrap();
}

/// [`enable`] of a secrets engine.
#[cfg(feature = "sys")]
pub async fn enable_engine(client: &Client, path: &str, kind: &str) {
    enable(client, path, kind, true).await
}

/// [`enable`] of an auth method.
#[cfg(feature = "sys")]
pub async fn enable_auth(client: &Client, path: &str, kind: &str) {
    enable(client, path, kind, false).await
}

/// Enables AppRole at a unique mount, writes role `role` (policy `default`, tokens of `ttl`
/// seconds, at most `max_ttl` when given) and issues a secret id, through the generated API.
#[cfg(all(feature = "sys", feature = "auth-approle"))]
pub async fn approle_role(
    root: &Client,
    role: &str,
    ttl: u64,
    max_ttl: Option<u64>,
) -> AppRoleSetup {
    let mount = super::unique("ar");
    let api = root.api();
    enable_auth(root, &mount, "approle").await;
    api.app_role_write_role()
        .approle_mount_path(&mount)
        .role_name(role)
        .body_map(|b| {
            let b = b
                .token_policies(vec!["default".to_string()])
                .token_ttl(hashivault::VaultDuration::from(ttl));
            match max_ttl {
                Some(max) => b.token_max_ttl(hashivault::VaultDuration::from(max)),
                None => b,
            }
        })
        .send()
        .await
        .unwrap();
    let role_id = data(
        api.app_role_read_role_id()
            .approle_mount_path(&mount)
            .role_name(role)
            .send(),
    )
    .await
    .role_id
    .unwrap();
    let secret_id: SecretString = data(
        api.app_role_write_secret_id()
            .approle_mount_path(&mount)
            .role_name(role)
            .body_map(|b| b)
            .send(),
    )
    .await
    .secret_id
    .unwrap()
    .into();
    AppRoleSetup {
        mount,
        role_id,
        secret_id,
    }
}

/// The PostgreSQL superuser connection `cargo xtask test` starts (`HASHIVAULT_POSTGRES_URL`, see
/// `xtask/src/server/postgres.rs`), or `None` (after printing why) without one; a failure under
/// `HASHIVAULT_REQUIRE_LIVE=1`.
#[cfg(feature = "database")]
pub fn postgres(test: &str) -> Option<tokio_postgres::Config> {
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    match std::env::var("HASHIVAULT_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            Some(std::str::FromStr::from_str(&url).expect("a PostgreSQL URL"))
        }
        _ if required => {
            panic!("{test}: HASHIVAULT_REQUIRE_LIVE=1 but HASHIVAULT_POSTGRES_URL is not set")
        }
        _ => {
            eprintln!("SKIPPED {test}: no PostgreSQL (run `cargo xtask test`, or `cargo xtask dev --postgres`)");
            None
        }
    }
}

/// The port of a PostgreSQL connection (5432 when unset).
#[cfg(feature = "database")]
pub fn pg_port(config: &tokio_postgres::Config) -> u16 {
    config.get_ports().first().copied().unwrap_or(5432)
}

/// Connects (no TLS: loopback) and drives the connection in the background.
#[cfg(feature = "database")]
pub async fn pg_connect(
    config: &tokio_postgres::Config,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Mounts the database engine at `mount`, points it at PostgreSQL (connection `pg`, configured
/// through the raw transport: the plugin's own fields are not in the spec), and makes role `app`
/// with `ttl` and `max_ttl` seconds.
#[cfg(all(feature = "database", feature = "sys"))]
pub async fn database_engine(
    root: &hashivault::Client,
    pg: &tokio_postgres::Config,
    mount: &str,
    ttl: u64,
    max_ttl: u64,
) {
    use hashivault::VaultDuration;
    enable_engine(root, mount, "database").await;
    let password = String::from_utf8(pg.get_password().unwrap().to_vec()).unwrap();
    let config = serde_json::json!({
        "plugin_name": "postgresql-database-plugin",
        "connection_url": format!(
            "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/postgres?sslmode=disable",
            pg_port(pg)
        ),
        "username": pg.get_user().unwrap(),
        "password": password,
        "allowed_roles": ["app"],
    });
    let _: hashivault::Envelope<hashivault::JsonMap> = root
        .request(
            hashivault::reqwest::Method::POST,
            &format!("{mount}/config/pg"),
            Some(&config),
        )
        .await
        .unwrap();
    root.api()
        .database_write_role()
        .database_mount_path(mount)
        .name("app")
        .body_map(|b| {
            b.db_name("pg".to_string())
                .creation_statements(vec![
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
                        .to_string(),
                ])
                .default_ttl(VaultDuration::from(ttl))
                .max_ttl(VaultDuration::from(max_ttl))
        })
        .send()
        .await
        .unwrap();
}
