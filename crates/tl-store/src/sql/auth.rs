//! Users, sessions and API tokens: plain repository functions.

use super::{SqlStore, millis, timestamp};
use crate::auth::{ApiToken, NewApiToken, NewUser, Role, Session, User, UserUpdate};
use crate::error::is_unique_violation;
use crate::{Error, Result};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

const USER_COLUMNS: &str = "id, username, role, password_hash, version, created_at_ms";
const TOKEN_COLUMNS: &str = "id, name, token_hash, role, created_by, created_at_ms, last_used_at_ms";

fn role_of(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| Error::Corrupt(format!("unknown role `{text}`")))
}

fn user_of(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role_of(&row.try_get::<String, _>("role")?)?,
        password_hash: row.try_get("password_hash")?,
        version: row.try_get("version")?,
        created_at: timestamp(row.try_get("created_at_ms")?)?,
    })
}

fn token_of(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        token_hash: row.try_get("token_hash")?,
        role: role_of(&row.try_get::<String, _>("role")?)?,
        created_by: row.try_get("created_by")?,
        created_at: timestamp(row.try_get("created_at_ms")?)?,
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at_ms")?.map(timestamp).transpose()?,
    })
}

pub(super) async fn create_user(store: &SqlStore, user: NewUser) -> Result<User> {
    if user.username.trim().is_empty() {
        return Err(Error::Invalid("a username cannot be empty".into()));
    }
    let sql = format!(
        "INSERT INTO users (username, role, password_hash, version, created_at_ms) VALUES ($1, $2, $3, 1, $4) \
         RETURNING {USER_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&user.username)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(millis(user.at))
        .fetch_one(&store.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::AlreadyExists { kind: "user", id: user.username.clone() }
            } else {
                e.into()
            }
        })?;
    user_of(&row)
}

pub(super) async fn user(store: &SqlStore, id: i64) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&store.pool).await?;
    row.as_ref().map(user_of).transpose()?.ok_or_else(|| Error::not_found("user", id.to_string()))
}

pub(super) async fn user_by_name(store: &SqlStore, username: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(&store.pool).await?;
    row.as_ref().map(user_of).transpose()
}

pub(super) async fn users(store: &SqlStore) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&store.pool).await?;
    rows.iter().map(user_of).collect()
}

pub(super) async fn update_user(store: &SqlStore, id: i64, expected_version: i64, update: UserUpdate) -> Result<User> {
    let sql = format!(
        "UPDATE users SET role = COALESCE($1, role), password_hash = COALESCE($2, password_hash), \
         version = version + 1 WHERE id = $3 AND version = $4 RETURNING {USER_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(update.role.map(Role::as_str))
        .bind(update.password_hash.as_deref())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&store.pool)
        .await?;
    match row {
        Some(row) => user_of(&row),
        None => {
            let current = user(store, id).await?;
            Err(Error::Conflict { what: format!("user {id}"), expected: expected_version, current: current.version })
        }
    }
}

pub(super) async fn delete_user(store: &SqlStore, id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    // Explicit rather than relying on foreign-key enforcement, which SQLite
    // leaves to a per-connection setting.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("UPDATE api_tokens SET created_by = NULL WHERE created_by = $1").bind(id).execute(&mut *tx).await?;
    let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Err(Error::not_found("user", id.to_string()));
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn save_session(store: &SqlStore, session: Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, data, expires_at_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
         expires_at_ms = excluded.expires_at_ms",
    )
    .bind(&session.id)
    .bind(session.user_id)
    .bind(&session.data)
    .bind(millis(session.expires_at))
    .execute(&store.pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::not_found("user", session.user_id.map(|u| u.to_string()).unwrap_or_default())
        }
        _ => e.into(),
    })?;
    Ok(())
}

pub(super) async fn load_session(store: &SqlStore, id: &str, now: Timestamp) -> Result<Option<Session>> {
    let row = sqlx::query("SELECT id, user_id, data, expires_at_ms FROM sessions WHERE id = $1 AND expires_at_ms > $2")
        .bind(id)
        .bind(millis(now))
        .fetch_optional(&store.pool)
        .await?;
    row.map(|row| {
        Ok(Session {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            data: row.try_get("data")?,
            expires_at: timestamp(row.try_get("expires_at_ms")?)?,
        })
    })
    .transpose()
}

/// The live session `id` with its user, in one query: the session of every
/// dashboard request. `None` if the session is unknown, expired, or has no
/// user (any more).
pub(super) async fn session_user(store: &SqlStore, id: &str, now: Timestamp) -> Result<Option<(Session, User)>> {
    let sql = "SELECT s.id AS session_id, s.data, s.expires_at_ms, u.id, u.username, u.role, u.password_hash, \
               u.version, u.created_at_ms FROM sessions s JOIN users u ON u.id = s.user_id \
               WHERE s.id = $1 AND s.expires_at_ms > $2";
    let row = sqlx::query(sql).bind(id).bind(millis(now)).fetch_optional(&store.pool).await?;
    row.map(|row| {
        let user = user_of(&row)?;
        let session = Session {
            id: row.try_get("session_id")?,
            user_id: Some(user.id),
            data: row.try_get("data")?,
            expires_at: timestamp(row.try_get("expires_at_ms")?)?,
        };
        Ok((session, user))
    })
    .transpose()
}

pub(super) async fn delete_session(store: &SqlStore, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&store.pool).await?;
    Ok(())
}

pub(super) async fn delete_expired_sessions(store: &SqlStore, now: Timestamp) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1").bind(millis(now)).execute(&store.pool).await?;
    Ok(done.rows_affected())
}

pub(super) async fn create_api_token(store: &SqlStore, token: NewApiToken) -> Result<ApiToken> {
    let sql = format!(
        "INSERT INTO api_tokens (name, token_hash, role, created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
         RETURNING {TOKEN_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(token.role.as_str())
        .bind(token.created_by)
        .bind(millis(token.at))
        .fetch_one(&store.pool)
        .await
        .map_err(|e| match &e {
            _ if is_unique_violation(&e) => Error::AlreadyExists { kind: "api token", id: token.name.clone() },
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Error::not_found("user", token.created_by.map(|u| u.to_string()).unwrap_or_default())
            }
            _ => e.into(),
        })?;
    token_of(&row)
}

pub(super) async fn use_api_token(store: &SqlStore, token_hash: &str, now: Timestamp) -> Result<Option<ApiToken>> {
    let sql = format!("UPDATE api_tokens SET last_used_at_ms = $1 WHERE token_hash = $2 RETURNING {TOKEN_COLUMNS}");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(millis(now)).bind(token_hash).fetch_optional(&store.pool).await?;
    row.as_ref().map(token_of).transpose()
}

pub(super) async fn api_tokens(store: &SqlStore) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&store.pool).await?;
    rows.iter().map(token_of).collect()
}

pub(super) async fn delete_api_token(store: &SqlStore, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1").bind(id).execute(&store.pool).await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("api token", id.to_string()));
    }
    Ok(())
}
