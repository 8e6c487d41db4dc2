// Stripe's Payment Element: the card never touches our server; the webhook completes the order.
const form = document.getElementById("payment-form");
const stripe = Stripe(form.dataset.key);
const elements = stripe.elements({ clientSecret: form.dataset.secret });
elements.create("payment").mount("#payment-element");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("pay-button");
  button.disabled = true;
  const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.return } });
  if (error) {  // only reached when the payment could not start; success goes to return_url
    document.getElementById("payment-message").textContent = error.message;
    button.disabled = false;
  }
});
