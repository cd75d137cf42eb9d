//! SQL functions over the statistics in `stats/` (thin wrappers; one implementation per
//! formula):
//!
//! - `wilson_lower(x, n, level)`, `wilson_upper(x, n, level)`: Wilson score limits of x/n;
//! - `count_lower(x, level)`, `count_upper(x, level)`: limits for a count, exact Poisson below 10
//!   events and Byar from 10 (divide by a population for a rate).
//!
//! Arguments are coerced to Float64; a NULL argument gives NULL.
//!
//! Owns: the SQL wrappers of [`crate::stats`] formulas. May not touch: the formulas themselves.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};

use crate::stats::{proportion, rates};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Formula {
    WilsonLower,
    WilsonUpper,
    CountLower,
    CountUpper,
}

impl Formula {
    fn name(self) -> &'static str {
        match self {
            Formula::WilsonLower => "wilson_lower",
            Formula::WilsonUpper => "wilson_upper",
            Formula::CountLower => "count_lower",
            Formula::CountUpper => "count_upper",
        }
    }

    fn arity(self) -> usize {
        match self {
            Formula::WilsonLower | Formula::WilsonUpper => 3,
            Formula::CountLower | Formula::CountUpper => 2,
        }
    }

    fn apply(self, a: &[f64]) -> f64 {
        match self {
            Formula::WilsonLower => proportion::wilson(a[0], a[1], a[2]).lower,
            Formula::WilsonUpper => proportion::wilson(a[0], a[1], a[2]).upper,
            Formula::CountLower => rates::count_interval(a[0], a[1]).0,
            Formula::CountUpper => rates::count_interval(a[0], a[1]).1,
        }
    }
}

/// One statistical SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
struct StatFunction {
    formula: Formula,
    signature: Signature,
}

impl ScalarUDFImpl for StatFunction {
    fn name(&self) -> &str {
        self.formula.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        if arrays.len() != self.formula.arity() {
            return exec_err!("{} takes {} arguments", self.formula.name(), self.formula.arity());
        }
        let columns: Vec<ArrayRef> = arrays.iter().map(|a| cast(a, &DataType::Float64)).collect::<Result<_, _>>()?;
        let columns: Vec<&Float64Array> = columns
            .iter()
            .map(|a| a.as_any().downcast_ref::<Float64Array>().expect("cast to Float64 gives a Float64Array"))
            .collect();
        let rows = columns.first().map_or(0, |c| Array::len(*c));
        let mut values = Vec::with_capacity(self.formula.arity());
        let result: Float64Array = (0..rows)
            .map(|i| {
                values.clear();
                for c in &columns {
                    if c.is_null(i) {
                        return None;
                    }
                    values.push(c.value(i));
                }
                Some(self.formula.apply(&values))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(result)))
    }
}

/// Every statistical SQL function.
pub fn functions() -> Vec<ScalarUDF> {
    [Formula::WilsonLower, Formula::WilsonUpper, Formula::CountLower, Formula::CountUpper]
        .into_iter()
        .map(|formula| {
            let signature = Signature::uniform(formula.arity(), vec![DataType::Float64], Volatility::Immutable);
            ScalarUDF::from(StatFunction { formula, signature })
        })
        .collect()
}
