//! Finding 1: unlimited login attempts, and password hashing that can exhaust memory.
//! Failed sign-ins are throttled per account and per client address (429 with
//! `Retry-After`, even for the right password, until the window passes), a wrong password
//! is a 4xx, and a flood of sign-ins neither grows the process by gigabytes (at most a
//! couple of Argon2 checks at once, on their own threads, the rest refused at once) nor
//! stalls delivery.
use std::sync::Arc;
use std::time::Duration;

use engine::clock::{Clock, ManualClock, SystemClock};

use crate::common::{receiver, spawn_app_with_clock, ADMIN_PASSWORD};
use crate::console::{client, login, post_nojs};
use crate::server::{Server, KEY, PASSWORD};

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_until_the_window_passes() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let app = spawn_app_with_clock(&[], Arc::new(clock.clone())).await;
    let c = client();
    for i in 0..5 {
        let res = login(&c, &app.base, "admin", "wrong-password").await;
        assert_eq!(
            res.status(),
            401,
            "wrong password {i} is a 401, never a 500"
        );
    }
    for password in [ADMIN_PASSWORD, "wrong-password"] {
        let res = login(&c, &app.base, "admin", password).await;
        assert_eq!(res.status(), 429, "locked, even for the right password");
        let wait = retry_after(&res);
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
        assert!(crate::console::session_cookie(&res).is_none());
    }
    clock.advance(59_000);
    assert_eq!(
        login(&c, &app.base, "admin", ADMIN_PASSWORD).await.status(),
        429
    );
    clock.advance(1_500);
    let res = login(&c, &app.base, "admin", ADMIN_PASSWORD).await;
    assert!(
        res.status().is_success(),
        "after the window: {}",
        res.status()
    );
}

#[tokio::test]
async fn one_address_cannot_spray_many_accounts_nor_pick_its_address() {
    let app = spawn_app_with_clock(&[], Arc::new(SystemClock)).await;
    let c = client();
    for i in 0..20 {
        let user = format!("user{i}");
        let res = crate::console::post::<app::auth::Login>(
            &c,
            &app.base,
            &[("username", &user), ("password", "guess")],
        )
        // Not behind a trusted proxy: a forged X-Forwarded-For changes nothing.
        .header("x-forwarded-for", format!("203.0.113.{i}"))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = login(&c, &app.base, "someone-else", "guess").await;
    assert_eq!(res.status(), 429, "the address is locked out");
    assert!(retry_after(&res) >= 1);
}

#[tokio::test]
async fn the_sign_in_page_shows_the_throttling_message_without_javascript() {
    let app = spawn_app_with_clock(&[], Arc::new(SystemClock)).await;
    let c = client();
    for _ in 0..5 {
        login(&c, &app.base, "admin", "wrong-password").await;
    }
    let form = [("username", "admin"), ("password", ADMIN_PASSWORD)];
    let res = post_nojs::<app::auth::Login>(&c, &app.base, "/login", &form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap().to_string();
    let url = if back.starts_with('/') {
        format!("{}{back}", app.base)
    } else {
        back
    };
    let page = c.get(url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Too many failed sign-ins. Wait"),
        "the page says why: {page}"
    );
}

/// 600 wrong sign-ins at once against the real binary: its resident memory grows by less
/// than 100 MB (it grew by ~10 GB when every Argon2 check ran at once), none is a 500, and
/// an event posted meanwhile is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_flood_keeps_memory_bounded_and_deliveries_flowing() {
    let server = Server::start(&[]).await;
    let base = server.base.clone();
    let hook = receiver(200).await;
    let api = reqwest::Client::new();
    let res = api
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"name": "flood", "url": hook.url, "event_types": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // One sign-in first, so the baseline includes what a single check leaves behind.
    assert!(login(&client(), &base, "admin", PASSWORD)
        .await
        .status()
        .is_success());
    let baseline = server.rss_kib();

    let peak = Arc::new(std::sync::atomic::AtomicU64::new(baseline));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pid = server.child.id().unwrap();
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if let Some(rss) = rss_of(pid) {
                    peak.fetch_max(rss, std::sync::atomic::Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let flood: Vec<_> = (0..600)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                let c = client();
                login(&c, &base, &format!("user{}", i % 7), "wrong")
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let posted = api
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"type": "evaluation.failed", "data": {"during": "flood"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202, "{}", posted.text().await.unwrap());
    let mut statuses = vec![];
    for f in flood {
        statuses.push(f.await.unwrap());
    }
    hook.wait_for(1).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.await.unwrap();

    let mut counts = std::collections::BTreeMap::new();
    for s in &statuses {
        *counts.entry(*s).or_insert(0) += 1;
    }
    eprintln!(
        "baseline {baseline} KiB, peak {:?}, after {} KiB, answers {counts:?}",
        peak,
        server.rss_kib()
    );
    for s in &statuses {
        assert!(matches!(s, 401 | 429 | 503), "a flood answer is {s}");
    }
    let grown_mib = peak
        .load(std::sync::atomic::Ordering::SeqCst)
        .saturating_sub(baseline)
        / 1024;
    assert!(
        grown_mib < 100,
        "RSS grew by {grown_mib} MiB; answers {counts:?}"
    );
}

fn rss_of(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
