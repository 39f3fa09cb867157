// Loaded once by `require: lib/util.js`; its functions are globals of the bot.
function priceOf(size) {
    return {small: 2, medium: 3, large: 4}[size] || 0;
}
function orderSummary(order) {
    return order.count + " " + order.size + " coffee" + (order.count > 1 ? "s" : "");
}
