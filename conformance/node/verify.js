// Verifies webhook deliveries with stripe-node's own verifier. Reads JSON lines
// {"payload": "...", "header": "...", "secret": "..."} on stdin; prints one line per input:
// "ok <event type>" or "error <message>".
const Stripe = require('stripe');
const stripe = new Stripe('sk_test_unused');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const { payload, header, secret } = JSON.parse(line);
  try {
    const event = stripe.webhooks.constructEvent(payload, header, secret);
    console.log(`ok ${event.type}`);
  } catch (err) {
    console.log(`error ${err.message.split('\n')[0]}`);
  }
}
