//! Users, sessions and API tokens.

use crate::support::{each_backend, now};
use jiff::{SignedDuration, Timestamp};
use tl_store::{Error, NewApiToken, NewUser, Role, Session, Store, UserUpdate};

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser { username: name.into(), role, password_hash: format!("$argon2id$v=19$fake-{name}"), at: now() }
}

#[tokio::test]
async fn users_are_created_found_updated_and_deleted() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        assert!(store.users().await.unwrap().is_empty());
        let admin = store.create_user(new_user("admin", Role::Admin)).await.unwrap();
        assert_eq!(admin.version, 1);
        assert!(matches!(
            store.create_user(new_user("admin", Role::Viewer)).await,
            Err(Error::AlreadyExists { kind: "user", .. })
        ));
        assert!(matches!(store.create_user(new_user(" ", Role::Viewer)).await, Err(Error::Invalid(_))));
        let viewer = store.create_user(new_user("vic", Role::Viewer)).await.unwrap();
        assert_eq!(store.user(viewer.id).await.unwrap(), viewer);
        assert_eq!(store.user_by_name("vic").await.unwrap(), Some(viewer.clone()));
        assert_eq!(store.user_by_name("nobody").await.unwrap(), None);
        assert_eq!(store.users().await.unwrap(), vec![admin.clone(), viewer.clone()]);

        let promoted = store
            .update_user(viewer.id, 1, UserUpdate { role: Some(Role::Editor), password_hash: None })
            .await
            .unwrap();
        assert_eq!(
            (promoted.role, promoted.version, &promoted.password_hash),
            (Role::Editor, 2, &viewer.password_hash)
        );
        let stale = store.update_user(viewer.id, 1, UserUpdate { role: Some(Role::Admin), password_hash: None }).await;
        assert!(matches!(stale, Err(Error::Conflict { expected: 1, current: 2, .. })), "{stale:?}");
        let rehashed =
            store.update_user(viewer.id, 2, UserUpdate { role: None, password_hash: Some("new".into()) }).await;
        assert_eq!(rehashed.unwrap().password_hash, "new");

        let session = Session { id: "s1".into(), user_id: Some(viewer.id), data: "{}".into(), expires_at: later(60) };
        store.save_session(session).await.unwrap();
        store.delete_user(viewer.id).await.unwrap();
        assert!(matches!(store.user(viewer.id).await, Err(Error::NotFound { .. })));
        assert!(matches!(store.delete_user(viewer.id).await, Err(Error::NotFound { .. })));
        assert_eq!(store.load_session("s1", now()).await.unwrap(), None, "the user's sessions went too");
        assert_eq!(store.session_user("s1", now()).await.unwrap(), None);
        assert!(matches!(store.update_user(viewer.id, 3, UserUpdate::default()).await, Err(Error::NotFound { .. })));
        assert!(format!("{admin:?}").contains("<redacted>"), "Debug hides the hash");
        assert!(!format!("{admin:?}").contains("argon2id"));
    })
    .await;
}

fn later(minutes: i64) -> Timestamp {
    now() + SignedDuration::from_mins(minutes)
}

#[tokio::test]
async fn sessions_expire() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let user = store.create_user(new_user("sam", Role::Editor)).await.unwrap();
        let s = Session {
            id: "abc".into(),
            user_id: Some(user.id),
            data: "{\"csrf\":\"x\"}".into(),
            expires_at: later(30),
        };
        store.save_session(s.clone()).await.unwrap();
        assert_eq!(store.load_session("abc", now()).await.unwrap(), Some(s.clone()));
        assert_eq!(store.load_session("abc", later(31)).await.unwrap(), None, "expired");
        // The same in one round trip, with the user.
        assert_eq!(store.session_user("abc", now()).await.unwrap(), Some((s.clone(), user.clone())));
        assert_eq!(store.session_user("abc", later(31)).await.unwrap(), None, "expired");
        assert_eq!(store.session_user("nope", now()).await.unwrap(), None);

        let renewed = Session { data: "{}".into(), expires_at: later(90), ..s };
        store.save_session(renewed.clone()).await.unwrap();
        assert_eq!(store.load_session("abc", later(60)).await.unwrap(), Some(renewed));

        let anonymous = Session { id: "anon".into(), user_id: None, data: "{}".into(), expires_at: later(1) };
        store.save_session(anonymous).await.unwrap();
        assert_eq!(store.session_user("anon", now()).await.unwrap(), None, "no user");
        let orphan =
            Session { id: "orphan".into(), user_id: Some(user.id + 1000), data: "{}".into(), expires_at: later(1) };
        assert!(matches!(store.save_session(orphan).await, Err(Error::NotFound { .. })));
        assert_eq!(store.delete_expired_sessions(later(5)).await.unwrap(), 1);
        store.delete_session("abc").await.unwrap();
        assert_eq!(store.load_session("abc", now()).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn api_tokens_are_found_by_hash() {
    each_backend(async |t| {
        let store: &dyn Store = &t.store;
        let admin = store.create_user(new_user("root", Role::Admin)).await.unwrap();
        let token = NewApiToken {
            name: "ci".into(),
            token_hash: "sha256:abc".into(),
            role: Role::Editor,
            created_by: Some(admin.id),
            at: now(),
        };
        let created = store.create_api_token(token.clone()).await.unwrap();
        assert_eq!((created.role, created.last_used_at), (Role::Editor, None));
        assert!(matches!(store.create_api_token(token).await, Err(Error::AlreadyExists { .. })));
        let when = later(1);
        let used = store.use_api_token("sha256:abc", when).await.unwrap().expect("the token");
        assert_eq!(used.last_used_at, Some(when));
        assert_eq!(store.use_api_token("sha256:other", when).await.unwrap(), None);
        assert_eq!(store.api_tokens().await.unwrap(), vec![used.clone()]);
        assert!(format!("{used:?}").contains("<redacted>"));

        store.delete_user(admin.id).await.unwrap();
        assert_eq!(store.api_tokens().await.unwrap()[0].created_by, None, "a token outlives its creator");
        store.delete_api_token(created.id).await.unwrap();
        assert!(matches!(store.delete_api_token(created.id).await, Err(Error::NotFound { .. })));
    })
    .await;
}
