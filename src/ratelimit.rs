//! A client-side rate limit ([`RateLimit`]), as Vault's CLI `VAULT_RATE_LIMIT`, on `governor`.
//!
//! Every attempt (retries and redirect hops included) takes one cell before it is sent; when
//! none is free the call waits, within its deadline. Clones of a client share one limiter.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};

/// Requests per second, with a burst (`rate[:burst]`, as `VAULT_RATE_LIMIT`).
///
/// ```no_run
/// # fn run() -> Result<(), hashivault::Error> {
/// let client = hashivault::Client::builder()
///     .rate_limit(hashivault::RateLimit::per_second(50.0).with_burst(10))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RateLimit {
    rate: f64,
    burst: Option<u32>,
}

impl RateLimit {
    /// `rate` requests per second on average (fractions allowed: `0.5` is one every 2 s). The
    /// burst defaults to the rate rounded down (at least 1), as Vault's CLI.
    pub fn per_second(rate: f64) -> Self {
        RateLimit { rate, burst: None }
    }

    /// How many requests may go at once after a quiet spell.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// The requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The burst: as set, else the rate rounded down (at least 1).
    pub fn burst(&self) -> u32 {
        self.burst.unwrap_or((self.rate as u32).max(1))
    }

    /// Parses `rate[:burst]` (`VAULT_RATE_LIMIT`), e.g. `10` or `2.5:5`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (rate, burst) = match text.split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text, None),
        };
        let rate: f64 = rate.trim().parse().map_err(|_| {
            format!("the rate must be a number of requests per second, not {rate:?}")
        })?;
        let mut limit = RateLimit::per_second(rate);
        if let Some(burst) = burst {
            let burst: u32 = burst
                .trim()
                .parse()
                .map_err(|_| format!("the burst must be a whole number, not {burst:?}"))?;
            limit = limit.with_burst(burst);
        }
        limit.quota().map(|_| limit)
    }

    fn quota(&self) -> Result<Quota, String> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(format!("the rate must be above 0, not {}", self.rate));
        }
        let burst = NonZeroU32::new(self.burst()).ok_or("the burst must be at least 1")?;
        let period = Duration::from_secs_f64(1.0 / self.rate);
        let quota = Quota::with_period(period).ok_or("the rate is too high")?;
        Ok(quota.allow_burst(burst))
    }
}

/// The limiter of a client and its clones.
pub(crate) struct Limiter(DefaultDirectRateLimiter);

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Result<Self, String> {
        Ok(Limiter(governor::RateLimiter::direct(limit.quota()?)))
    }

    /// Takes a cell, waiting for one; `Err(wait)` without waiting when the next free cell comes
    /// later than `latest` (the call's deadline).
    pub(crate) async fn acquire(
        &self,
        latest: Option<tokio::time::Instant>,
    ) -> Result<(), Duration> {
        loop {
            let wait = match self.0.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => not_until.wait_time_from(DefaultClock::default().now()),
            };
            if let Some(latest) = latest {
                if tokio::time::Instant::now() + wait > latest {
                    return Err(wait);
                }
            }
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rate_and_burst() {
        assert_eq!(RateLimit::parse("10").unwrap(), RateLimit::per_second(10.0));
        assert_eq!(
            RateLimit::parse(" 2.5:5 ").unwrap(),
            RateLimit::per_second(2.5).with_burst(5)
        );
        assert_eq!(RateLimit::parse("2.5").unwrap().burst(), 2);
        assert_eq!(RateLimit::parse("2.5:5").unwrap().rate(), 2.5);
        assert!(RateLimit::parse("0").is_err());
        assert!(RateLimit::parse("x").is_err());
        assert!(RateLimit::parse("5:0").is_err());
        assert!(RateLimit::parse("5:-1").is_err());
        assert!(RateLimit::parse("-3").is_err());
    }
}
