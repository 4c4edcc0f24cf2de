//! What the server's authentication needs from the store: users with roles
//! and password hashes, sessions, and API tokens kept as hashes. The store
//! never sees a password or a token secret; hashing happens in the caller.

use jiff::Timestamp;
use std::fmt;

/// What a user or token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Read everything.
    Viewer,
    /// Read, record check-ins and status updates, apply the plan.
    Editor,
    /// Everything, including managing users and tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Editors and admins may change data.
    pub fn can_write(self) -> bool {
        self >= Role::Editor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user account.
#[derive(Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// An argon2id PHC string.
    pub password_hash: String,
    /// Starts at 1 and grows with every update: pass it back to update.
    pub version: i64,
    pub created_at: Timestamp,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub at: Timestamp,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub password_hash: Option<String>,
}

/// A login session: an opaque id (the caller may store a hash of the cookie
/// value), the user, and the session's data as the caller serialized it.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: String,
    pub user_id: Option<i64>,
    pub data: String,
    pub expires_at: Timestamp,
}

/// An API token for automation. Only a hash of the secret is stored.
#[derive(Clone, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub role: Role,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token_hash", &"<redacted>")
            .field("role", &self.role)
            .field("created_by", &self.created_by)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .finish()
    }
}

/// A token to create.
#[derive(Clone)]
pub struct NewApiToken {
    pub name: String,
    pub token_hash: String,
    pub role: Role,
    pub created_by: Option<i64>,
    pub at: Timestamp,
}
