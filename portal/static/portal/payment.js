/* Card payment with Stripe's Payment Element. Card data goes from this page to Stripe only. */
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe !== "function") { return; }
  var stripe = form.dataset.stripeAccount
    ? Stripe(form.dataset.publishableKey, {stripeAccount: form.dataset.stripeAccount})
    : Stripe(form.dataset.publishableKey);
  var clientSecret = form.dataset.clientSecret;
  var elements = stripe.elements({ clientSecret: clientSecret });
  var element = elements.create("payment");
  element.mount("#payment-element");
  // Stripe's own element labels its fields inside its frame; the test-mode stand-in only has
  // placeholders, so give its fields names a screen reader can announce.
  var names = { number: ["Card number", "1234 1234 1234 1234"], exp_month: ["Expiry month", "MM"],
                exp_year: ["Expiry year (two digits)", "YY"], cvc: ["Security code (CVC)", "CVC"],
                postal_code: ["Postal code", "Postal code"] };
  Array.prototype.forEach.call(document.querySelectorAll("#payment-element input"), function (input) {
    var name = names[input.placeholder];
    if (name && !input.getAttribute("aria-label")) {
      if (input.placeholder !== "postal_code") { input.setAttribute("inputmode", "numeric"); }
      input.setAttribute("aria-label", name[0]);
      input.setAttribute("placeholder", name[1]);
    }
  });
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function fail(text) {
    message.textContent = text || "Your card could not be charged. Check the details and try again.";
    message.hidden = false;
    button.disabled = false;
  }

  async function confirmWithStandIn() {
    // localstripe's Stripe.js stand-in (test mode) cannot confirm a Payment Element by itself:
    // the card is tokenised at the provider and our server confirms with the token's id.
    var token = await stripe.createToken(element);
    if (token.error) { return fail(token.error.message); }
    var response = await fetch(form.dataset.confirmUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: "payment_method=" + encodeURIComponent(token.token.card.id)
    });
    var body = await response.json().catch(function () { return {}; });
    if (!response.ok) { return fail(body.error && body.error.message); }
    if (body.status === "requires_action") {
      var auth = await stripe.confirmCardPayment(clientSecret);  // 3-D Secure
      if (auth.error) { return fail(auth.error.message); }
    }
    // Succeeded, processing or failed: the order page shows the state (and "Try again" on failure).
    window.location.assign(form.dataset.returnUrl);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    try {
      if (typeof stripe.confirmPayment === "function") {
        // Real Stripe.js: confirms, runs 3-D Secure or a redirect, then returns to return_url.
        var result = await stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } });
        if (result.error) { fail(result.error.message); }
        return;
      }
      await confirmWithStandIn();
    } catch (error) {
      fail();
    }
  });
}());
