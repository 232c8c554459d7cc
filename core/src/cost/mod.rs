//! What a request cost in US dollars, from its model and token usage.
//!
//! Prices come from `core/data/prices.json` (a small extract of LiteLLM's
//! price list for the OpenAI and Anthropic models the two clients use; the
//! file names its source and date), plus the user's `prices` in
//! `settings.json`, which add models or replace shipped ones.
//!
//! A model is found by its name (case-insensitive, any `provider/` prefix
//! dropped), else by the longest priced name it starts with followed by a
//! `-`: a dated snapshot (`claude-sonnet-4-5-20250929`,
//! `gpt-5-codex-2025-09-15`) costs what its family does. A model with no
//! price gets no cost (rather than a guess).
//!
//! Token counts follow [`Usage`]: `input_tokens` includes the cached part
//! and Anthropic's cache writes (the proxy reports Anthropic's separate
//! cache counters the same way), and `output_tokens` includes reasoning,
//! which both vendors bill as output; a price with its own `reasoning` rate
//! bills those tokens at it instead. Cache writes
//! (`cache_creation_input_tokens`) are billed at `cache_write` (LiteLLM's
//! `cache_creation_input_token_cost`: the 5-minute cache, 1.25 × input).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::logs::{RequestRecord, Usage};

/// One model's prices, in USD per million tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    /// Input tokens read from the prompt cache; absent: billed as `input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Input tokens written to the prompt cache (Anthropic's
    /// `cache_creation_input_tokens`); absent: billed as `input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    pub output: f64,
    /// Reasoning tokens, when a model bills them apart from output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
}

impl Price {
    /// The cost of `usage` at these prices, in USD (rounded to a billionth).
    pub fn cost(&self, usage: &Usage) -> f64 {
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        let written = usage.cache_creation_input_tokens.min(usage.input_tokens - cached);
        let uncached = usage.input_tokens - cached - written;
        let (reasoning, reasoning_rate) = match self.reasoning {
            Some(rate) => (usage.reasoning_tokens.min(usage.output_tokens), rate),
            None => (0, 0.0),
        };
        let output = usage.output_tokens - reasoning;
        let micro = uncached as f64 * self.input
            + cached as f64 * self.cached_input.unwrap_or(self.input)
            + written as f64 * self.cache_write.unwrap_or(self.input)
            + output as f64 * self.output
            + reasoning as f64 * reasoning_rate;
        // `micro` is in millionths of a dollar; keep nine decimals.
        (micro * 1_000.0).round() / 1_000_000_000.0
    }

    /// Why this price can't be used, naming the field; `None` when fine.
    pub fn problem(&self) -> Option<(&'static str, f64)> {
        let fields = [
            ("input", Some(self.input)),
            ("cached_input", self.cached_input),
            ("cache_write", self.cache_write),
            ("output", Some(self.output)),
            ("reasoning", self.reasoning),
        ];
        fields.into_iter().find_map(|(name, v)| v.filter(|v| !v.is_finite() || *v < 0.0).map(|v| (name, v)))
    }
}

/// The shipped file.
#[derive(Deserialize)]
struct Shipped {
    models: BTreeMap<String, Price>,
}

static SHIPPED: LazyLock<PriceTable> = LazyLock::new(|| {
    let file: Shipped =
        serde_json::from_str(include_str!("../../data/prices.json")).expect("core/data/prices.json is valid");
    PriceTable::from_map(file.models)
});

/// Prices by model name (lower case), shipped plus the user's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceTable {
    models: BTreeMap<String, Price>,
}

impl PriceTable {
    /// The shipped prices alone.
    pub fn shipped() -> &'static PriceTable {
        &SHIPPED
    }

    /// The shipped prices with `overrides` (settings.json's `prices`) on top.
    pub fn with_overrides(overrides: &IndexMap<String, Price>) -> PriceTable {
        let mut table = SHIPPED.clone();
        for (model, price) in overrides {
            table.models.insert(normalize(model).to_string(), price.clone());
        }
        table
    }

    fn from_map(models: BTreeMap<String, Price>) -> PriceTable {
        PriceTable { models: models.into_iter().map(|(k, v)| (normalize(&k).to_string(), v)).collect() }
    }

    /// The price `model` is billed at, and the name it was found under.
    pub fn lookup(&self, model: &str) -> Option<(&str, &Price)> {
        let model = normalize(model);
        let model: &str = &model;
        if let Some((name, price)) = self.models.get_key_value(model) {
            return Some((name, price));
        }
        // Longest priced name that `model` extends with `-…`.
        let mut end = model.len();
        while let Some(dash) = model[..end].rfind('-') {
            if let Some((name, price)) = self.models.get_key_value(&model[..dash]) {
                return Some((name, price));
            }
            end = dash;
        }
        None
    }

    /// What `usage` of `model` cost, or `None` when the model has no price.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        Some(self.lookup(model)?.1.cost(usage))
    }

    /// Sets `rec.cost_usd` from its model and usage (left absent when either
    /// is missing or the model has no price).
    pub fn price_record(&self, rec: &mut RequestRecord) {
        rec.cost_usd = match rec.model.as_deref() {
            Some(model) if !rec.usage.is_empty() => self.cost(model, &rec.usage),
            _ => None,
        };
    }
}

/// `OpenAI/GPT-5` → `gpt-5`: lower case, without a `provider/` prefix.
fn normalize(model: &str) -> std::borrow::Cow<'_, str> {
    let model = model.trim();
    let model = model.rsplit('/').next().unwrap_or(model);
    if model.bytes().any(|b| b.is_ascii_uppercase()) {
        model.to_ascii_lowercase().into()
    } else {
        model.into()
    }
}

/// A shared table, as the live settings hold it.
pub type SharedPrices = Arc<PriceTable>;

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, cached: u64, output: u64, reasoning: u64) -> Usage {
        Usage {
            input_tokens: input,
            cached_input_tokens: cached,
            output_tokens: output,
            reasoning_tokens: reasoning,
            total_tokens: input + output,
            cache_creation_input_tokens: 0,
        }
    }

    #[test]
    fn shipped_table_parses_and_every_price_is_usable() {
        let t = PriceTable::shipped();
        assert!(t.models.len() >= 30, "{}", t.models.len());
        for (name, price) in &t.models {
            assert_eq!(price.problem(), None, "{name}");
            assert_eq!(name, &name.to_ascii_lowercase());
        }
    }

    #[test]
    fn cached_input_is_billed_at_its_own_rate_and_reasoning_as_output() {
        let gpt5 = PriceTable::shipped().lookup("gpt-5").unwrap().1;
        // 1M input of which 400k cached, 100k output of which 30k reasoning:
        // 600k × 1.25 + 400k × 0.125 + 100k × 10 = 0.75 + 0.05 + 1.0
        assert_eq!(gpt5.cost(&usage(1_000_000, 400_000, 100_000, 30_000)), 1.8);
        let own = Price { input: 1.0, cached_input: None, cache_write: None, output: 2.0, reasoning: Some(4.0) };
        // No cached rate: cached input costs input; reasoning at its own rate.
        assert_eq!(own.cost(&usage(1_000_000, 500_000, 1_000_000, 250_000)), 1.0 + 0.75 * 2.0 + 0.25 * 4.0);
        assert_eq!(own.cost(&Usage::default()), 0.0);
    }

    #[test]
    fn anthropic_cache_writes_are_billed_at_the_cache_write_rate() {
        let sonnet = PriceTable::shipped().lookup("claude-sonnet-4-5").unwrap().1;
        assert_eq!(sonnet.cache_write, Some(3.75), "LiteLLM's cache_creation_input_token_cost");
        // 1.1M input: 100k cache reads, 800k cache writes, 200k plain; no output.
        let u = Usage {
            input_tokens: 1_100_000,
            cached_input_tokens: 100_000,
            cache_creation_input_tokens: 800_000,
            total_tokens: 1_100_000,
            ..Default::default()
        };
        // 200k × 3 + 100k × 0.30 + 800k × 3.75 per million = 0.6 + 0.03 + 3.0
        assert_eq!(sonnet.cost(&u), 3.63);
        // No cache-write price (OpenAI's models): written tokens cost input.
        let own = Price { input: 1.0, cached_input: Some(0.5), cache_write: None, output: 0.0, reasoning: None };
        assert_eq!(own.cost(&u), 0.2 + 0.05 + 0.8);
        // Counters that do not add up (more writes than input) never go negative.
        let odd =
            Usage { input_tokens: 10, cached_input_tokens: 8, cache_creation_input_tokens: 50, ..Default::default() };
        assert_eq!(own.cost(&odd), (8.0 * 0.5 + 2.0) / 1e6);
        // Every Anthropic model ships with one.
        for (name, price) in &PriceTable::shipped().models {
            if name.starts_with("claude") {
                assert!(price.cache_write.is_some_and(|w| w > price.input), "{name}");
            }
        }
    }

    #[test]
    fn dated_snapshots_and_provider_prefixes_find_their_family() {
        let t = PriceTable::shipped();
        assert_eq!(t.lookup("claude-sonnet-4-5-20250929").unwrap().0, "claude-sonnet-4-5");
        assert_eq!(t.lookup("claude-sonnet-4-20250514").unwrap().0, "claude-sonnet-4");
        assert_eq!(t.lookup("gpt-5-codex-2025-09-15").unwrap().0, "gpt-5-codex");
        assert_eq!(t.lookup("gpt-5-mini-2025-08-07").unwrap().0, "gpt-5-mini", "the longest name wins");
        assert_eq!(t.lookup("openai/GPT-5.1").unwrap().0, "gpt-5.1");
        assert_eq!(t.lookup("anthropic/claude-opus-4-1-20250805").unwrap().0, "claude-opus-4-1");
        assert!(t.lookup("gpt-5.7").is_none(), "a new version is not priced as an old one");
        assert!(t.lookup("deepseek-chat").is_none());
        assert!(t.lookup("").is_none());
    }

    #[test]
    fn overrides_add_and_replace_models() {
        let mut o = IndexMap::new();
        o.insert(
            "DeepSeek-Chat".to_string(),
            Price { input: 0.27, cached_input: Some(0.07), cache_write: None, output: 1.1, reasoning: None },
        );
        o.insert(
            "gpt-5".to_string(),
            Price { input: 1.0, cached_input: None, cache_write: None, output: 1.0, reasoning: None },
        );
        let t = PriceTable::with_overrides(&o);
        assert_eq!(t.cost("deepseek-chat", &usage(1_000_000, 0, 0, 0)), Some(0.27));
        assert_eq!(t.cost("gpt-5-2025-08-07", &usage(0, 0, 1_000_000, 0)), Some(1.0));
        assert_eq!(PriceTable::shipped().cost("gpt-5", &usage(0, 0, 1_000_000, 0)), Some(10.0));
    }

    #[test]
    fn a_record_is_priced_only_with_a_priced_model_and_usage() {
        let t = PriceTable::shipped();
        let mut rec =
            RequestRecord { model: Some("gpt-5".into()), usage: usage(1000, 0, 100, 0), ..Default::default() };
        t.price_record(&mut rec);
        assert_eq!(rec.cost_usd, Some(0.00225));
        rec.model = Some("unpriced-model".into());
        t.price_record(&mut rec);
        assert_eq!(rec.cost_usd, None);
        rec.model = Some("gpt-5".into());
        rec.usage = Usage::default();
        t.price_record(&mut rec);
        assert_eq!(rec.cost_usd, None, "no usage reported, no cost");
    }

    #[test]
    fn problems_name_the_field() {
        let bad = Price { input: 1.0, cached_input: Some(-1.0), cache_write: None, output: 1.0, reasoning: None };
        assert_eq!(bad.problem(), Some(("cached_input", -1.0)));
        let nan = Price { input: f64::NAN, cached_input: None, cache_write: None, output: 1.0, reasoning: None };
        assert_eq!(nan.problem().map(|p| p.0), Some("input"));
    }
}
