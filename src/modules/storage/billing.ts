// Payment is out of scope: subscription.change / cancel talk to a BillingProvider and store what it
// returns in user_subscriptions.stripe_subscription_id / stripe_customer_id. The default provider
// does nothing and returns nulls, so every subscription is granted at once and free of charge.
//
// A real provider (Stripe) is called inside the subscription transaction, after the user's
// storage_usage row is locked, so two concurrent changes never both start a provider subscription.
// It must be idempotent (transaction() may retry the callback on a serialization failure), and
// payment failures should arrive by webhook and call the same service functions.

export interface BillingUser {
  id: string;
}

export interface BillingTier {
  id: string;
  name: string;
  priceMonthlyCents: number;
}

export interface BillingSubscriptionRef {
  /** user_subscriptions.id */
  id: string;
  providerSubscriptionId: string | null;
  providerCustomerId: string | null;
}

export interface BillingProvider {
  /** Starts (or switches to) a paid subscription; returns the provider's ids, or nulls. */
  startSubscription(user: BillingUser, tier: BillingTier): Promise<{ providerSubscriptionId: string | null; providerCustomerId: string | null }>;
  /** Stops billing a subscription (an upgrade/downgrade replaces it, or the user cancels). */
  cancelSubscription(user: BillingUser, subscription: BillingSubscriptionRef): Promise<void>;
}

export class NoopBillingProvider implements BillingProvider {
  async startSubscription(): Promise<{ providerSubscriptionId: string | null; providerCustomerId: string | null }> {
    return { providerSubscriptionId: null, providerCustomerId: null };
  }

  async cancelSubscription(): Promise<void> {}
}

/** The provider the routers use. */
export const billingProvider: BillingProvider = new NoopBillingProvider();
