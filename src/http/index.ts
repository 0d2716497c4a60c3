export { createApp, type AppOptions } from "./create-app.js";
