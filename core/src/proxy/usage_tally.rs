//! Token usage as an answer reports it, in any API's naming (Responses'
//! `input_tokens`, Chat's `prompt_tokens`, Anthropic's cache counters),
//! reported the same way for every service.

use serde_json::Value;

use crate::logs::Usage;

/// Usage as reported so far; later reports overwrite earlier fields (Claude
/// sends cumulative output counts).
#[derive(Clone, Copy, Debug, Default)]
struct Reported {
    input: Option<u64>,
    output: Option<u64>,
    reasoning: Option<u64>,
    total: Option<u64>,
    cached: Option<u64>,
    cache_creation: Option<u64>,
}

/// Everything the answer reported so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    reported: Reported,
    seen_usage: bool,
}

impl Tally {
    /// Token usage, if the upstream reported any; `anthropic`: counted the
    /// Anthropic way (cache reads and writes apart from input).
    pub fn usage(&self, anthropic: bool) -> Option<Usage> {
        if !self.seen_usage {
            return None;
        }
        let r = self.reported;
        let mut input = r.input.unwrap_or(0);
        let mut cached = r.cached.unwrap_or(0);
        if anthropic {
            // Anthropic counts cache reads and writes apart from
            // input_tokens; OpenAI includes them. Report like OpenAI so the
            // numbers mean the same for both services.
            input += cached + r.cache_creation.unwrap_or(0);
        } else {
            cached = cached.min(input);
        }
        let output = r.output.unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            reasoning_tokens: r.reasoning.unwrap_or(0),
            total_tokens: r.total.filter(|t| *t >= input + output).unwrap_or(input + output),
            cached_input_tokens: cached,
        })
    }

    /// Reads the `usage` object of a payload (top-level, or in its
    /// `response` / `message`), if it has one.
    pub fn take(&mut self, value: &Value) {
        let usage = ["usage", "response", "message"]
            .iter()
            .find_map(|key| match *key {
                "usage" => value.get("usage"),
                nested => value.get(nested).and_then(|v| v.get("usage")),
            })
            .filter(|u| u.is_object());
        let Some(u) = usage else { return };
        let num = |path: &[&str]| -> Option<u64> {
            let mut v = u;
            for key in path {
                v = v.get(*key)?;
            }
            v.as_u64()
        };
        let r = &mut self.reported;
        let set = |slot: &mut Option<u64>, value: Option<u64>| {
            if value.is_some() {
                *slot = value;
            }
        };
        set(&mut r.input, num(&["input_tokens"]).or(num(&["prompt_tokens"])));
        set(&mut r.output, num(&["output_tokens"]).or(num(&["completion_tokens"])));
        set(&mut r.total, num(&["total_tokens"]));
        set(
            &mut r.reasoning,
            num(&["output_tokens_details", "reasoning_tokens"])
                .or(num(&["completion_tokens_details", "reasoning_tokens"])),
        );
        set(
            &mut r.cached,
            num(&["input_tokens_details", "cached_tokens"])
                .or(num(&["prompt_tokens_details", "cached_tokens"]))
                .or(num(&["cache_read_input_tokens"])),
        );
        set(&mut r.cache_creation, num(&["cache_creation_input_tokens"]));
        self.seen_usage = true;
    }
}
