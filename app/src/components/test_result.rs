//! The answer of a test or validate send: the exact request Herald sent (URL, headers,
//! body; protected values masked) and the response (status code and body) or the error.
use leptos::prelude::*;

use crate::dto::{show_ms, TestResultView};

#[component]
pub fn TestResultPanel(result: TestResultView) -> impl IntoView {
    let TestResultView {
        result,
        skipped_headers,
    } = result;
    let verdict = if result.success {
        format!(
            "Delivered: HTTP {} in {}",
            result.response_code.unwrap_or_default(),
            show_ms(result.duration_ms)
        )
    } else {
        match result.response_code {
            Some(code) => format!("Failed: HTTP {code} in {}", show_ms(result.duration_ms)),
            None => format!(
                "Failed ({}): {}",
                result.status,
                result.error.clone().unwrap_or_default()
            ),
        }
    };
    let response = match (result.response_code, result.response_body.clone()) {
        (Some(code), body) => view! {
            <dl class="kv">
                <dt>"Status code"</dt>
                <dd class="mono">{code}</dd>
            </dl>
            <pre class="code" aria-label="Response body">{body.filter(|b| !b.is_empty()).unwrap_or_else(|| "(empty body)".into())}</pre>
        }
        .into_any(),
        (None, _) => view! {
            <dl class="kv">
                <dt>"Error"</dt>
                <dd>
                    <span class="badge failed">{result.status.clone()}</span>
                    " "
                    {result.error.clone().unwrap_or_default()}
                </dd>
            </dl>
        }
        .into_any(),
    };
    view! {
        <section class="test-result" aria-label="Test result" role="status">
            <p class="verdict" class:ok=result.success class:bad=!result.success>{verdict}</p>
            {(!skipped_headers.is_empty()).then(|| view! {
                <p class="hint">
                    "Not sent (protected, stored on the server; retype to include): "
                    {skipped_headers.join(", ")}
                </p>
            })}
            <div class="exchange">
                <div>
                    <h3>"Request"</h3>
                    <p class="mono break">"POST " {result.request.url.clone()}</p>
                    <HeaderTable headers=result.request.headers.clone() label="Request headers"/>
                    <pre class="code" aria-label="Request body">{result.request.body.clone()}</pre>
                </div>
                <div>
                    <h3>"Response"</h3>
                    {response}
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// Headers as a two-column table.
#[component]
pub fn HeaderTable(headers: Vec<(String, String)>, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <table class="headers-table" aria-label=label>
            <tbody>
                {headers
                    .into_iter()
                    .map(|(k, v)| view! {
                        <tr>
                            <th scope="row" class="mono">{k}</th>
                            <td class="mono break">{v}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
