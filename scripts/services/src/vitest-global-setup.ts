// Placeholder until the services tool lands: starts nothing.
export default async function setup(): Promise<void> {}
